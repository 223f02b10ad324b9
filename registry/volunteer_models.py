"""Volunteer service models (volunteers issue)."""

__all__: list[str] = []
