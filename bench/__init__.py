"""Latency benchmarks of the app served by gunicorn against PostgreSQL (see README.md)."""
