"""Logins while a 10,000-row volunteer import runs as a background job (issue 9).

    .venv/bin/python bench/login_during_import.py --db-url URL [--rows 10000] [--n 30]

Serves the app as bench/run.py does (gunicorn -w 2, production configuration, PostgreSQL) and
starts one job worker beside it (`huey_consumer registry.worker.huey`, SQLite queue in a
temporary instance folder), both with the same settings. One sequential client then:

1. quiet: n rounds of one web-form login (GET /login for the CSRF token, then the timed POST
   /login) and one /healthz, alternating which goes first;
2. uploads an .xlsx of --rows new volunteers to /volunteers/import as bench-county (the
   county official of bench/load_volunteers.py), which queues the import job, and waits until
   the job's status page says it is running;
3. during: the same n rounds while the job runs (a round that ends after the job has finished
   is not counted), sampling pg_stat_activity for sessions waiting on a lock after each one;
4. waits for the job to finish and reports its time (rows/s) from the job row.

Each login is a new session (no cookie kept), so each one hashes the password (scrypt). The
imported volunteers stay in the database: their phones are 166xxxxxxxx and their ID numbers
start 511300 (no synthetic volunteer uses either), and each run continues after the last
run's phones, so the next run's file is new again.
"""

import argparse
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import (  # noqa: E402
    DEFAULT_DB_URL,
    HEALTHZ,
    BenchError,
    Client,
    Server,
    _session_cookie,
    free_port,
    percentile,
    redact,
    server_env,
    stop_on_signal,
)

USER, PASSWORD = "bench-county", "Bench#Passw0rd"
COUNTY = "511321"  # bench-county's county
PHONE_PREFIX, ID_REGION = "166", "511300"
POLL = 0.2  # seconds between status polls when no round is running
JOB_TIMEOUT = 900.0  # seconds for the job to start and finish


def csrf_and_cookie(client: Client, path: str,
                    cookie: str | None = None) -> tuple[str, str | None, float]:
    """A form's CSRF token, the session cookie it set (if any) and the GET's seconds."""
    status, page, seconds = client.request("GET", path, _cookie_header(cookie))
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    if status != 200 or not match:
        raise BenchError(f"GET {path}: HTTP {status}, no form (logged in as {USER}?)")
    return match.group(1).decode(), _session_cookie(client.last_headers), seconds


def _cookie_header(cookie: str | None) -> dict:
    return {"Cookie": cookie} if cookie else {}


def login(client: Client) -> tuple[float, float, str]:
    """One web-form login in a new session: (GET /login s, POST /login s, session cookie)."""
    token, cookie, get_s = csrf_and_cookie(client, "/login")
    body = urlencode({"login": USER, "password": PASSWORD, "csrf_token": token}).encode()
    status, data, post_s = client.request("POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded", **_cookie_header(cookie)}, body)
    new_cookie = _session_cookie(client.last_headers)
    if status != 302 or not new_cookie:
        raise BenchError(f"POST /login as {USER}: HTTP {status}: {data[:200]!r}")
    return get_s, post_s, new_cookie


def healthz(client: Client) -> float:
    status, data, seconds = client.request("GET", HEALTHZ)
    if status != 200:
        raise BenchError(f"GET {HEALTHZ}: HTTP {status}: {data[:200]!r}")
    return seconds


def one_round(client: Client, i: int) -> tuple[float, float, float]:
    """(login GET s, login POST s, /healthz s), alternating which goes first."""
    if i % 2:
        get_s, post_s, _ = login(client)
        hz = healthz(client)
    else:
        hz = healthz(client)
        get_s, post_s, _ = login(client)
    return get_s, post_s, hz


def upload(client: Client, cookie: str, data: bytes) -> tuple[int, float]:
    """POST the file to /volunteers/import as a browser does; the job's id and seconds."""
    token, new_cookie, _ = csrf_and_cookie(client, "/volunteers/import", cookie)
    cookie = new_cookie or cookie
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n'
        f"{token}\r\n".encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="bench.xlsx"\r\nContent-Type: application/vnd.openxmlformats-officedocument.'
        f"spreadsheetml.sheet\r\n\r\n".encode() + data + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    status, body, seconds = client.request("POST", "/volunteers/import", {
        "Content-Type": f"multipart/form-data; boundary={boundary}", "Cookie": cookie},
        b"".join(parts))
    location = client.last_headers.get("Location", "")
    match = re.search(r"/jobs/(\d+)", location)
    if status != 302 or not match:
        raise BenchError(f"POST /volunteers/import: HTTP {status} to {location!r}: "
                         f"{body[:300]!r}")
    return int(match.group(1)), seconds


def job_status(client: Client, cookie: str, job_id: int) -> dict:
    status, body, _ = client.request("GET", f"/jobs/{job_id}/status", {"Cookie": cookie})
    if status != 200:
        raise BenchError(f"GET /jobs/{job_id}/status: HTTP {status}: {body[:200]!r}")
    return json.loads(body)


def summary(get_s: list[float], post_s: list[float], hz_s: list[float]) -> dict:
    post = [s * 1000 for s in post_s]
    get = [s * 1000 for s in get_s]
    hz = [s * 1000 for s in hz_s]
    med, p95 = statistics.median(post), percentile(post, 95)
    hz_med, hz_p95 = statistics.median(hz), percentile(hz, 95)
    return {
        "n": len(post),
        "login_median_ms": round(med, 2), "login_p95_ms": round(p95, 2),
        "login_max_ms": round(max(post), 2),
        "login_page_median_ms": round(statistics.median(get), 2),
        "healthz_median_ms": round(hz_med, 2), "healthz_p95_ms": round(hz_p95, 2),
        "ratio_median": round(med / hz_med, 2), "ratio_p95": round(p95 / hz_p95, 2),
    }


class Worker:
    """huey_consumer for the app's queue, in its own process group; always stopped."""

    def __init__(self, env: dict, log_path: Path):
        consumer = Path(sys.executable).parent / "huey_consumer"
        if not consumer.exists():
            raise BenchError(f"no {consumer}: run with .venv/bin/python")
        self.log = open(log_path, "wb")  # noqa: SIM115 (closed in stop)
        # -m 1: poll the queue at least once a second (the default backs off up to 10 s).
        self.proc = subprocess.Popen(
            [sys.executable, str(consumer), "registry.worker.huey", "-w", "1", "-m", "1"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=self.log,
            stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(15)
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.log.close()


def next_start(engine) -> int:
    """The first number after the last run's phones (166…), 0 for the first run."""
    from sqlalchemy import text

    with engine.connect() as conn:
        last = conn.execute(text("SELECT max(phone) FROM volunteer WHERE phone >= :a "
                                 "AND phone < :b"),
                            {"a": PHONE_PREFIX, "b": str(int(PHONE_PREFIX) + 1)}).scalar()
    return int(last[len(PHONE_PREFIX):]) + 1 if last else 0


def lock_waiters(engine) -> int:
    """Sessions of this database waiting for a lock right now."""
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM pg_stat_activity WHERE datname = "
                                 "current_database() AND wait_event_type = 'Lock'")).scalar()


def run(args: argparse.Namespace, folder: Path) -> dict:
    from sqlalchemy import create_engine, text

    from bench.import_10k import workbook

    engine = create_engine(args.db_url, pool_size=1)
    with engine.connect() as conn:
        townships = tuple(conn.execute(text(
            "SELECT code FROM region WHERE level = 'township' AND county_code = :c "
            "ORDER BY code"), {"c": COUNTY}).scalars())
    start = next_start(engine)
    if start + args.rows > 480_000:
        raise BenchError("the 166… phone range is used up: import fewer rows")
    data = workbook(args.rows, start, townships, ID_REGION, PHONE_PREFIX,
                    write_only=False).getvalue()
    print(f"file: {args.rows:,} rows ({len(data) / 1e6:.1f} MB), numbers from {start:,}, "
          f"{len(townships)} townships of {COUNTY}")

    env = server_env(args.db_url) | {"REGISTRY_ENV": "production",
                                     "REGISTRY_INSTANCE_PATH": str(folder)}
    port = args.port or free_port()
    worker = Worker(env, folder / "worker.log")
    try:
        with Server(port, args.db_url, args.workers, env) as server:
            client = Client(server.base_url)
            for i in range(args.warmup):
                one_round(client, i)
            quiet = [one_round(client, i) for i in range(args.n)]
            _, _, cookie = login(client)
            began = time.perf_counter()
            job_id, upload_s = upload(client, cookie, data)
            state = job_status(client, cookie, job_id)
            while state["status"] == "queued":
                if time.perf_counter() - began > JOB_TIMEOUT or worker.proc.poll() is not None:
                    raise BenchError(f"job {job_id} never started (worker log: "
                                     f"{folder / 'worker.log'})")
                time.sleep(POLL)
                state = job_status(client, cookie, job_id)
            running_seen = time.perf_counter()
            during, waiters, dropped = [], [], 0
            while state["status"] == "running" and len(during) < args.n:
                sample = one_round(client, len(during))
                waiters.append(lock_waiters(engine))
                state = job_status(client, cookie, job_id)
                if state["status"] == "running":
                    during.append(sample)
                else:
                    dropped += 1
            while state["status"] in ("queued", "running"):
                if time.perf_counter() - began > JOB_TIMEOUT:
                    raise BenchError(f"job {job_id} still {state['status']} after "
                                     f"{JOB_TIMEOUT:.0f} s")
                time.sleep(POLL)
                state = job_status(client, cookie, job_id)
            done_seen = time.perf_counter()
            client.close()
    finally:
        worker.stop()
    if state["status"] != "done":
        raise BenchError(f"job {job_id} {state['status']}: {state.get('message')}")
    with engine.connect() as conn:
        job = conn.execute(text("SELECT created_at, finished_at, done FROM job WHERE id = :i"),
                           {"i": job_id}).one()
    engine.dispose()
    job_s = (job.finished_at - job.created_at).total_seconds()
    if not during:
        raise BenchError("the job finished before one login round did: import more rows")
    result = {
        "rows": args.rows, "job_id": job_id,
        "quiet": summary(*zip(*quiet, strict=True)),
        "during_import": summary(*zip(*during, strict=True)),
        "rounds_after_job_ended": dropped,
        "max_lock_waiters": max(waiters, default=0),
        "upload_s": round(upload_s, 2),
        "job_s": round(job_s, 2),
        "job_running_seen_s": round(done_seen - running_seen, 2),
        "rows_per_s": round(job.done / job_s),
    }
    hz = result["during_import"]["healthz_median_ms"]
    result["job_to_healthz"] = round(job_s * 1000 / hz)
    return result


def report(result: dict) -> None:
    print(f"{'phase':<14} {'n':>3} {'login med':>10} {'p95':>9} {'max':>9} {'hz med':>8} "
          f"{'hz p95':>8} {'x med':>7} {'x p95':>7}")
    for phase in ("quiet", "during_import"):
        r = result[phase]
        print(f"{phase:<14} {r['n']:>3} {r['login_median_ms']:>10.1f} {r['login_p95_ms']:>9.1f} "
              f"{r['login_max_ms']:>9.1f} {r['healthz_median_ms']:>8.2f} "
              f"{r['healthz_p95_ms']:>8.2f} {r['ratio_median']:>7.2f} {r['ratio_p95']:>7.2f}")
    print(f"import: {result['rows']:,} rows in {result['job_s']:.1f} s (job row, queued to "
          f"finished; {result['job_running_seen_s']:.1f} s seen running) = "
          f"{result['rows_per_s']:,} rows/s = {result['job_to_healthz']:,}x /healthz's median; "
          f"upload {result['upload_s']:.2f} s")
    print(f"rounds not counted (ended after the job): {result['rounds_after_job_ended']}; "
          f"most sessions waiting on a lock at once: {result['max_lock_waiters']}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=os.environ.get("REGISTRY_DATABASE_URL",
                                                           DEFAULT_DB_URL))
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--n", type=int, default=30, help="login rounds in each phase (30)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--json", metavar="FILE")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 200 or not 1 <= args.rows <= 50_000:
        parser.error("--n must be 1–200 and --rows 1–50,000")
    print(f"bench: gunicorn -w {args.workers} + 1 job worker, db {redact(args.db_url)}, "
          f"n={args.n}")
    folder = Path(tempfile.mkdtemp(prefix="bench-login-import-"))
    try:
        result = run(args, folder)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        log = folder / "worker.log"
        if log.exists():
            tail = log.read_text(errors="replace").splitlines()[-15:]
            print("bench: the worker's log ends:\n" + "\n".join(tail), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    sys.exit(main())
