"""The incentives' rules (each written once; functions flush, the caller commits)."""
