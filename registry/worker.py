"""The job worker's entry point: `huey_consumer registry.worker.huey` (see the Makefile and the
README). Importing it builds the app (configuration from REGISTRY_* as for the server) so the
tasks run with the same database and settings; it writes nothing."""

from registry import create_app
from registry.jobs import huey

app = create_app()

__all__ = ["app", "huey"]
