"""Command-line tasks for the purchasing area."""


def register(app) -> None:
    pass
