"""Benchmark runner: serve the app with gunicorn on PostgreSQL, time each case vs /healthz."""

import argparse
import http.client
import importlib.util
import json
import math
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
APP_SPEC = 'registry:create_app("production")'
HEALTHZ = "/healthz"
TOKEN_PATH = "/api/v1/auth/token"
REQUEST_TIMEOUT = 30.0  # seconds for one request
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz
STOP_TIMEOUT = 15.0  # seconds for gunicorn to stop after SIGTERM
# The Fernet key of the synthetic bench data (the same as bench/load_volunteers.py's); used
# unless REGISTRY_ENCRYPTION_KEY is set. Never a real key.
BENCH_ENCRYPTION_KEY = "YmVuY2gtb25seS1rZXktYmVuY2gtb25seS1rZXkhIT0="


class BenchError(Exception):
    """A benchmark that cannot go on: no server, a wrong status, a failed login."""


def load_cases() -> list[dict]:
    """The registered cases from bench/cases.py (works as a script and as a module)."""
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from bench.cases import CASES

    return CASES


def select_cases(cases: list[dict], names: str | None) -> list[dict]:
    """The cases named in a comma-separated list, in that order (all if names is empty)."""
    if not names:
        return list(cases)
    by_name = {case["name"]: case for case in cases}
    wanted = [name.strip() for name in names.split(",") if name.strip()]
    unknown = [name for name in wanted if name not in by_name]
    if unknown:
        raise BenchError(f"unknown case(s): {', '.join(unknown)} (known: {', '.join(by_name)})")
    return [by_name[name] for name in wanted]


def redact(url: str) -> str:
    """A database URL without its password."""
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(db_url: str) -> dict:
    """The environment for the production app: the bench database, a fresh secret, no limiter."""
    env = dict(os.environ)
    env.update(
        {
            "REGISTRY_DATABASE_URL": db_url,
            "REGISTRY_SECRET_KEY": secrets.token_hex(32),
            "REGISTRY_AUDIT_KEY": secrets.token_hex(32),
            "REGISTRY_RATELIMIT_STORAGE_URI": "memory://",
            "REGISTRY_RATELIMIT_ENABLED": "0",
        }
    )
    if not env.get("REGISTRY_ENCRYPTION_KEY"):
        env["REGISTRY_ENCRYPTION_KEY"] = BENCH_ENCRYPTION_KEY
    return env


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


class Client:
    """Sequential requests over one http.client connection (reopened when the server closes)."""

    def __init__(self, base_url: str, timeout: float = REQUEST_TIMEOUT):
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise BenchError(f"not an http(s) URL: {base_url}")
        https = parts.scheme == "https"
        factory = http.client.HTTPSConnection if https else http.client.HTTPConnection
        self.conn = factory(parts.hostname, parts.port, timeout=timeout)
        self.prefix = parts.path.rstrip("/")

    def request(self, method: str, path: str, headers: dict | None = None,
                body: bytes | None = None) -> tuple[int, bytes, float]:
        """Status, body and seconds taken; retries once if a kept-alive connection was closed."""
        for attempt in range(2):
            start = time.perf_counter()
            try:
                self.conn.request(method, self.prefix + path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                self.last_headers = response.headers
                return response.status, data, time.perf_counter() - start
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self.conn.close()
                if attempt:
                    raise BenchError(f"{method} {path}: connection lost ({exc})") from exc
            except (OSError, http.client.HTTPException) as exc:
                self.conn.close()
                raise BenchError(f"{method} {path}: {exc}") from exc
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


def get_token(client: Client, username: str, password: str) -> str:
    """A bearer token from POST /api/v1/auth/token."""
    body = json.dumps({"login": username, "password": password}).encode()
    status, data, _ = client.request(
        "POST", TOKEN_PATH, {"Content-Type": "application/json"}, body
    )
    if status not in (200, 201):
        raise BenchError(f"login as {username!r} failed: HTTP {status}: {data[:300]!r}")
    try:
        return json.loads(data)["token"]
    except (ValueError, KeyError, TypeError) as exc:
        raise BenchError(f"login as {username!r}: no token in {data[:300]!r}") from exc


def get_session_cookie(client: Client, username: str, password: str) -> str:
    """A logged-in session cookie from the login form (for HTML pages), CSRF token included."""
    status, page, _ = client.request("GET", "/login")
    match = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
    cookie = _session_cookie(client.last_headers)
    if status != 200 or not match or not cookie:
        raise BenchError(f"GET /login: HTTP {status}, no form or cookie")
    body = urlencode({"login": username, "password": password,
                      "csrf_token": match.group(1).decode()}).encode()
    status, data, _ = client.request("POST", "/login", {
        "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie}, body)
    cookie = _session_cookie(client.last_headers)
    if status != 302 or not cookie:
        raise BenchError(f"web login as {username!r} failed: HTTP {status}: {data[:200]!r}")
    return cookie


def _session_cookie(headers) -> str | None:
    for value in headers.get_all("Set-Cookie") or []:
        if value.startswith("session="):
            return value.split(";", 1)[0]
    return None


def revoke_token(client: Client, token: str) -> None:
    """Best effort: revoke a token the run created."""
    try:
        client.request("DELETE", TOKEN_PATH, {"Authorization": f"Bearer {token}"})
    except BenchError:
        pass


def timed(client: Client, path: str, headers: dict, expect: int, method: str = "GET",
          body: bytes | None = None) -> float:
    """Seconds for one request (a GET unless the case says "method" and "json"), which must
    answer with the expected status."""
    if body is not None:
        headers = {**headers, "Content-Type": "application/json"}
    status, data, seconds = client.request(method, path, headers, body)
    if status != expect:
        raise BenchError(f"{method} {path}: HTTP {status}, expected {expect}: {data[:200]!r}")
    return seconds


def measure(client: Client, case: dict, headers: dict, n: int, warmup: int) -> dict:
    """Time n requests of the case interleaved with n of /healthz (after warm-up of both)."""
    path, expect = case["path"], case.get("status", 200)
    method = case.get("method", "GET")
    body = json.dumps(case["json"]).encode() if "json" in case else None
    for _ in range(warmup):
        timed(client, path, headers, expect, method, body)
        timed(client, HEALTHZ, {}, 200)
    case_times, base_times = [], []
    for i in range(n):
        # Alternate which goes first so that neither always follows the other.
        if i % 2:
            case_times.append(timed(client, path, headers, expect, method, body))
            base_times.append(timed(client, HEALTHZ, {}, 200))
        else:
            base_times.append(timed(client, HEALTHZ, {}, 200))
            case_times.append(timed(client, path, headers, expect, method, body))
    ms = [t * 1000 for t in case_times]
    base = [t * 1000 for t in base_times]
    median, p95 = statistics.median(ms), percentile(ms, 95)
    base_median, base_p95 = statistics.median(base), percentile(base, 95)
    return {
        "name": case["name"],
        "path": path,
        "login": case["login"][0] if case.get("login") else None,
        "n": n,
        "median_ms": round(median, 3),
        "p95_ms": round(p95, 3),
        "min_ms": round(min(ms), 3),
        "max_ms": round(max(ms), 3),
        "healthz_median_ms": round(base_median, 3),
        "healthz_p95_ms": round(base_p95, 3),
        "ratio_median": round(median / base_median, 2),
        "ratio_p95": round(p95 / base_p95, 2),
    }


def run_cases(base_url: str, cases: list[dict], n: int, warmup: int) -> list[dict]:
    """Measure each case; a case that fails is reported with its error and the rest go on."""
    client = Client(base_url)
    tokens: dict[tuple[str, str], str] = {}
    results = []
    try:
        for case in cases:
            try:
                headers = {}
                if case.get("login") and case.get("web"):
                    headers["Cookie"] = get_session_cookie(client, *case["login"])
                elif case.get("login"):
                    username, password = case["login"]
                    if (username, password) not in tokens:
                        tokens[username, password] = get_token(client, username, password)
                    headers["Authorization"] = f"Bearer {tokens[username, password]}"
                result = measure(client, case, headers, n, warmup)
            except BenchError as exc:
                result = {"name": case["name"], "path": case["path"], "error": str(exc)}
            results.append(result)
            print_row(result)
    finally:
        for token in tokens.values():
            revoke_token(client, token)
        client.close()
    return results


class Server:
    """gunicorn serving the app on 127.0.0.1:port; as a context manager it always stops it."""

    def __init__(self, port: int, db_url: str, workers: int = 2, env: dict | None = None):
        self.port = port
        self.db_url = db_url
        self.env = env  # default: server_env(db_url)
        self.workers = workers
        self.base_url = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen | None = None
        self.log_path: Path | None = None

    def __enter__(self) -> "Server":
        try:
            self.start()
            self.wait_ready()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def start(self) -> None:
        if importlib.util.find_spec("gunicorn") is None:
            raise BenchError(f"no gunicorn for {sys.executable}: run with .venv/bin/python")
        fd, name = tempfile.mkstemp(prefix="bench-gunicorn-", suffix=".log")
        self.log_path = Path(name)
        cmd = [sys.executable, "-m", "gunicorn", "-w", str(self.workers),
               "-b", f"127.0.0.1:{self.port}", APP_SPEC]
        with os.fdopen(fd, "wb") as log:
            self.proc = subprocess.Popen(
                cmd, cwd=ROOT, env=self.env or server_env(self.db_url), stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )

    def log_tail(self, lines: int = 25) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(f"  | {line}" for line in text)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until /healthz answers 200; fail early if gunicorn exits or keeps erring."""
        deadline = time.monotonic() + timeout
        last, bad_answers = "no answer", 0
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise BenchError(
                    f"gunicorn exited with code {self.proc.returncode}:\n{self.log_tail()}"
                )
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("GET", HEALTHZ)
                response = conn.getresponse()
                body = response.read()
                if response.status == 200:
                    return
                last = f"HTTP {response.status}: {body[:200]!r}"
                bad_answers += 1
                if bad_answers >= 10:
                    break
            except (OSError, http.client.HTTPException) as exc:
                last = str(exc)
            finally:
                conn.close()
            time.sleep(0.2)
        raise BenchError(f"{HEALTHZ} never answered 200 (last: {last}):\n{self.log_tail()}")

    def stop(self) -> None:
        """SIGTERM to the gunicorn master, then SIGKILL to its process group if it lingers."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(STOP_TIMEOUT)
        if self.proc is not None:
            try:  # workers left behind by a killed master share its process group
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if self.log_path is not None:
            self.log_path.unlink(missing_ok=True)
            self.log_path = None


def migrate(db_url: str) -> None:
    """flask db upgrade on the bench database, with the production configuration."""
    cmd = [sys.executable, "-m", "flask", "--app", APP_SPEC, "db", "upgrade"]
    done = subprocess.run(cmd, cwd=ROOT, env=server_env(db_url), capture_output=True,
                          text=True, timeout=600, check=False)
    if done.returncode:
        raise BenchError(f"flask db upgrade failed:\n{done.stdout}{done.stderr}")


HEADER = (
    f"{'case':<24} {'path':<28} {'n':>5} {'median':>9} {'p95':>9} "
    f"{'hz med':>8} {'hz p95':>8} {'x med':>7} {'x p95':>7}"
)


def print_header() -> None:
    print(HEADER)
    print("-" * len(HEADER))


def print_row(result: dict) -> None:
    if "error" in result:
        print(f"{result['name']:<24} {result['path']:<28} ERROR: {result['error']}")
    else:
        print(
            f"{result['name']:<24} {result['path']:<28} {result['n']:>5} "
            f"{result['median_ms']:>9.2f} {result['p95_ms']:>9.2f} "
            f"{result['healthz_median_ms']:>8.2f} {result['healthz_p95_ms']:>8.2f} "
            f"{result['ratio_median']:>7.2f} {result['ratio_p95']:>7.2f}"
        )
    sys.stdout.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time each case (median, p95 in ms) and its ratio to /healthz, "
        "measured interleaved in the same run."
    )
    parser.add_argument("--cases", help="comma-separated case names (default: all)")
    parser.add_argument("--n", type=int, default=200, help="timed requests per case (200)")
    parser.add_argument("--warmup", type=int, default=20, help="warm-up requests per case (20)")
    parser.add_argument(
        "--db-url", default=os.environ.get("REGISTRY_DATABASE_URL", DEFAULT_DB_URL),
        help="database for the served app (env REGISTRY_DATABASE_URL, default %(default)s)",
    )
    parser.add_argument("--no-serve", action="store_true",
                        help="bench an already running server at --base-url")
    parser.add_argument("--base-url", help="the running server's URL (implies --no-serve)")
    parser.add_argument("--port", type=int, default=0,
                        help="port for gunicorn (default: a free one)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--migrate", action="store_true",
                        help="run `flask db upgrade` on the database before serving")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args(argv)
    if args.base_url:
        args.no_serve = True
    if args.no_serve and not args.base_url:
        parser.error("--no-serve needs --base-url URL")
    if args.n < 1 or args.warmup < 0 or args.workers < 1:
        parser.error("--n and --workers must be at least 1, --warmup at least 0")
    return args


def stop_on_signal(signum, frame) -> None:
    """SIGTERM/SIGHUP end the run like Ctrl+C, so that the server is still stopped."""
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, stop_on_signal)
    try:
        cases = select_cases(load_cases(), args.cases)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 2
    started = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        if args.no_serve:
            base_url = args.base_url.rstrip("/")
            print(f"bench: {base_url} (already running), n={args.n}, warm-up={args.warmup}")
            print_header()
            results = run_cases(base_url, cases, args.n, args.warmup)
        else:
            if args.migrate:
                migrate(args.db_url)
            port = args.port or free_port()
            print(f"bench: gunicorn -w {args.workers} on 127.0.0.1:{port}, "
                  f"db {redact(args.db_url)}, n={args.n}, warm-up={args.warmup}")
            with Server(port, args.db_url, args.workers) as server:
                base_url = server.base_url
                print_header()
                results = run_cases(base_url, cases, args.n, args.warmup)
                if any("error" in r for r in results):
                    print(f"bench: the server's log ends:\n{server.log_tail()}", file=sys.stderr)
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130
    if args.json:
        report = {
            "started_at": started,
            "base_url": base_url,
            "served": not args.no_serve,
            "workers": None if args.no_serve else args.workers,
            "db_url": None if args.no_serve else redact(args.db_url),
            "n": args.n,
            "warmup": args.warmup,
            "results": results,
        }
        Path(args.json).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        print(f"bench: wrote {args.json}")
    failed = [r["name"] for r in results if "error" in r]
    if failed:
        print(f"bench: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
