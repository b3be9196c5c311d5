"""Pieces of the scheduling benchmark (manage.py bench_scheduling): timing figures, a small
HTTP client with its own cookies, a gunicorn started on a free loopback port, and the SQL
that looks for double bookings. Benchmarks only; nothing here runs in the site."""

import http.client
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection

from scheduling.models import LIVE_STATUSES
from visitation.encryption import key_new


@dataclass(frozen=True)
class Figures:
    """Timings in milliseconds."""

    count: int
    median: float
    p95: float
    low: float
    high: float

    @classmethod
    def of(cls, seconds: list[float]) -> "Figures":
        ms = sorted(s * 1000 for s in seconds)
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[-1] if len(ms) > 1 else ms[0]
        return cls(len(ms), statistics.median(ms), p95, ms[0], ms[-1])

    def __str__(self):
        return (
            f"median {self.median:.1f} ms, 95th percentile {self.p95:.1f} ms "
            f"(min {self.low:.1f}, max {self.high:.1f}, {self.count} runs)"
        )


class Response:
    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes):
        self.status = status
        self.headers = headers
        self.text = body.decode("utf-8", "replace")

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name.lower()), "")


class Browser:
    """One person's browser: a kept-alive connection and its cookies. Follows no redirect;
    sends the CSRF cookie back as the header Django expects."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.cookies: dict[str, str] = {}
        self.connection = None
        self.last_seconds = 0.0

    def request(self, method: str, path: str, data: dict | None = None) -> Response:
        headers = {"Host": f"{self.host}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            body = urlencode(data or {}, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        started = time.perf_counter()
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            try:
                self.connection.request(method, path, body=body, headers=headers)
                raw = self.connection.getresponse()
                response = Response(raw.status, raw.getheaders(), raw.read())
                break
            except (ConnectionError, http.client.HTTPException):
                # The server closed a kept-alive connection: open a new one, once.
                self.connection.close()
                self.connection = None
                if attempt:
                    raise
        self.last_seconds = time.perf_counter() - started
        for name, value in response.headers:
            if name.lower() == "set-cookie":
                for morsel in SimpleCookie(value).values():
                    self.cookies[morsel.key] = morsel.value
        if response.header("Connection").lower() == "close":
            self.connection.close()
            self.connection = None
        return response

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post(self, path: str, data: dict) -> Response:
        return self.request("POST", path, data)

    def sign_in(self, email: str, password: str) -> None:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": email, "password": password})
        if response.status != 302:
            raise RuntimeError(f"Sign-in of {email} failed: HTTP {response.status}")


HIDDEN_INPUT = re.compile(r'<input[^>]*name="(?P<name>[a-z_]+)"[^>]*value="(?P<value>[^"]*)"')


def form_values(html: str) -> dict[str, str]:
    """The name="..." value="..." pairs of a page's inputs (hidden fields and the like)."""
    return {m["name"]: m["value"] for m in HIDDEN_INPUT.finditer(html)}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn serving the site on a free loopback port, production settings (DEBUG off),
    the same database as this process. Stopped by its process id."""

    def __init__(self, *, workers: int, threads: int, broker_url: str, cache_url: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        database = connection.settings_dict
        self.env = {
            **os.environ,
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DOCUMENT_KEYS": key_new("bench"),
            "DATABASE_URL": (
                f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
                f"{database['NAME']}"
            ),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SITE_URL": self.url,
            "CSRF_TRUSTED_ORIGINS": self.url,
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "SECURE_HSTS_SECONDS": "0",
            "SECURE_HSTS_PRELOAD": "0",
            "CELERY_BROKER_URL": broker_url,
            "CACHE_URL": cache_url,
        }
        if database.get("PASSWORD"):
            self.env["DATABASE_URL"] = self.env["DATABASE_URL"].replace(
                f"{database['USER']}@", f"{database['USER']}:{database['PASSWORD']}@"
            )
        self.workers, self.threads, self.log = workers, threads, log
        self.process = None

    def manage(self, *args: str) -> None:
        subprocess.run(  # noqa: S603 (our own manage.py, no shell)
            [sys.executable, str(settings.BASE_DIR / "manage.py"), *args],
            env=self.env,
            check=True,
            cwd=settings.BASE_DIR,
        )

    def start(self) -> None:
        self.manage("collectstatic", "--noinput", "-v0")
        gunicorn = Path(sys.executable).with_name("gunicorn")
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("w") as log:
            self.process = subprocess.Popen(  # noqa: S603 (gunicorn of this venv, no shell)
                [
                    str(gunicorn),
                    "visitation.wsgi",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(self.workers),
                    "--threads",
                    str(self.threads),
                    "--worker-class",
                    "gthread",
                    "--keep-alive",
                    "30",
                ],
                env=self.env,
                cwd=settings.BASE_DIR,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped at start; see {self.log}")
            try:
                Browser("127.0.0.1", self.port).get("/accounts/login/")
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within 60 s; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def double_bookings(*, facility_id: int) -> dict[str, int]:
    """Pairs of live visits of the facility that overlap on the same terminal, person or
    visitor (the exclusion constraints should make every count 0)."""
    live = tuple(str(s) for s in LIVE_STATUSES)
    counts = {}
    for column in ("inmate_terminal_id", "lobby_terminal_id", "inmate_id", "visitor_id"):
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT count(*) FROM scheduling_visit a
                JOIN scheduling_visit b
                  ON b.{column} = a.{column} AND b.id > a.id
                 AND b.starts_at < a.ends_at AND a.starts_at < b.ends_at
                 AND b.status IN %s
                WHERE a.facility_id = %s AND a.status IN %s AND a.{column} IS NOT NULL
                """,  # noqa: S608 (the column names are ours)
                [live, facility_id, live],
            )
            counts[column] = cursor.fetchone()[0]
    return counts


def _cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used, from /proc; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _processes() -> list[tuple[int, int, str]]:
    """(pid, parent pid, command line) of every process this user may see."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        found.append((int(entry.name), int(stat.rsplit(")", 1)[1].split()[1]), command))
    return found


class CpuMeter:
    """CPU time used between start() and stop() by the web server's processes, by the
    database's backends for one database, and by this process (the clients)."""

    def __init__(self, *, server_pid: int, database: str):
        self.server_pid, self.database = server_pid, database

    def _groups(self) -> dict[str, dict[int, float]]:
        processes = _processes()
        web = {self.server_pid} | {pid for pid, parent, _ in processes if parent == self.server_pid}
        db = {
            pid
            for pid, _, command in processes
            if command.startswith("postgres: ") and f" {self.database} " in command
        }
        return {
            "web server": {pid: _cpu(pid) for pid in web},
            "database": {pid: _cpu(pid) for pid in db},
            "clients": {os.getpid(): _cpu(os.getpid())},
        }

    def start(self) -> None:
        self.before = self._groups()

    def stop(self) -> dict[str, float]:
        after = self._groups()
        return {
            group: sum(cpu - self.before[group].get(pid, 0.0) for pid, cpu in pids.items())
            for group, pids in after.items()
        }
