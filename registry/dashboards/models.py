"""Dashboards own no tables: they read the areas' rows and the township counters
(registry/volunteers/models.py: TownshipYearStats)."""
