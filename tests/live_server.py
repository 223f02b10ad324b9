"""A real gunicorn with several workers and the production settings, for the tests that must
cross process boundaries (limits counted in Redis, row locks between workers)."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

from config import TestingConfig

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(database_url: str, instance_path: Path, workers: int = 4, **settings: str):
    """Serve `database_url` with `workers` gunicorn workers on a free loopback port; yields the
    base URL once every worker has booted. `settings` are REGISTRY_* variables (without the
    prefix)."""
    port = free_port()
    env = {**os.environ,
           "REGISTRY_ENV": "production",
           "REGISTRY_SECRET_KEY": uuid.uuid4().hex * 2,
           "REGISTRY_DATABASE_URL": database_url,
           "REGISTRY_ENCRYPTION_KEY": TestingConfig.ENCRYPTION_KEY,
           "REGISTRY_AUDIT_KEY": TestingConfig.AUDIT_KEY,
           "REGISTRY_COOKIE_SECURE": "0",
           "REGISTRY_INSTANCE_PATH": str(instance_path),
           **{f"REGISTRY_{name}": value for name, value in settings.items()}}
    executable = Path(sys.executable).with_name("gunicorn")
    process = subprocess.Popen(
        [str(executable), "-w", str(workers), "-b", f"127.0.0.1:{port}", "--timeout", "60",
         "registry:create_app('production')"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(process.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        time.sleep(1)  # let every worker boot, so the requests spread over them
        yield base
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
