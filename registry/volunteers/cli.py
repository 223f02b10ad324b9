"""Command-line tasks for volunteers: none of their own yet.

Synthetic volunteers for city-scale tests come from registry/volunteers/bulk.py through
`flask seed-bulk` (registry/activities/cli.py, which adds activities in the same command).
"""


def register(app) -> None:
    """Volunteers add no command of their own (see the module docstring)."""
