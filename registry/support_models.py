"""Models for incubation, training and grants."""

__all__: list[str] = []
