"""The points ledger: append-only entries and one balance row per volunteer."""
