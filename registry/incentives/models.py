"""The incentives' tables."""
