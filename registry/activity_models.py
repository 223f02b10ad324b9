"""Models for activities, service records, the points ledger and certificates."""

__all__: list[str] = []
