"""Command-line tasks for the incentives."""


def register(app) -> None:
    pass
