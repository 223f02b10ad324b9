"""The purchasing area's rules (each written once; functions flush, the caller commits)."""
