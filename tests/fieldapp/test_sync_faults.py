"""Faults through a real gunicorn: a worker killed or the server stopped mid-batch, a
response lost after the commit, a fifth of deliveries repeated (some at the same time).

Every test gets its own committed database (a copy of a migrated template holding one
user made by `flask --app wsgi user create`) and its own gunicorn on a free loopback
port. SQLite by default; a throwaway PostgreSQL database when FIELDAPP_TEST_DATABASE_URL
points at PostgreSQL. The checker is set equality: every uuid the client holds is
stored exactly once. "The middle of a batch" is made wide with the test-only setting
TEST_INGEST_DELAY_MS, with items committed two at a time (SYNC_COMMIT_GROUP), and
found by watching the database fill up.
"""

from __future__ import annotations

import json
import os
import random
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa

from fieldapp import create_app
from fieldapp import db
from fieldapp.submissions.models import Submission
from sync import samples

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
USERNAME = "ana"
PASSWORD = "a long fault-test passphrase"
DATA_KEY = "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q="
#: per item: a batch of 16 takes about 2.5 s, ample time to strike in the middle
DELAY_MS = 150
_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _env(url: str, delay_ms: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(
        FIELDAPP_SECRET_KEY="fault-test-" + "x" * 40,
        FIELDAPP_DATABASE_URL=url,
        FIELDAPP_SESSION_COOKIE_SECURE="false",
        FIELDAPP_DATA_KEYS=DATA_KEY,
        FIELDAPP_TEST_INGEST_DELAY_MS=str(delay_ms),
        # Groups of two (one commit each) so that "mid-batch" has some items committed.
        FIELDAPP_SYNC_COMMIT_GROUP="2",
        FLASK_DEBUG="0",
    )
    return env


def _wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


class Databases:
    """Fresh copies of one migrated database with one user, on SQLite or PostgreSQL."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        base = os.environ.get("FIELDAPP_TEST_DATABASE_URL", "")
        self.pg = sa.make_url(base) if base.startswith("postgresql") else None
        self.prefix = f"faults_{uuid.uuid4().hex[:8]}"
        self.made: list[str] = []
        self.template = self._url("template")
        if self.pg is not None:
            self._admin(f'CREATE DATABASE "{self.prefix}_template"')
        app = create_app(
            {"TESTING": True, "DATABASE_URL": self.template, "DATA_KEYS": DATA_KEY}
        )
        db.upgrade(app)
        db.engine(app).dispose()
        subprocess.run(
            [
                *(BIN / "flask", "--app", "wsgi", "user", "create", USERNAME),
                *("--role", "social_worker", "--password", PASSWORD),
            ],
            cwd=REPO,
            env=_env(self.template),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def _url(self, name: str) -> str:
        if self.pg is None:
            return "sqlite:///" + str(self.workdir / f"{name}.sqlite")
        url = self.pg.set(database=f"{self.prefix}_{name}")
        return url.render_as_string(hide_password=False)

    def _admin(self, sql: str) -> None:
        assert self.pg is not None
        admin = sa.create_engine(
            self.pg.set(database="postgres"), isolation_level="AUTOCOMMIT"
        )
        with admin.connect() as connection:
            connection.exec_driver_sql(sql)
        admin.dispose()

    def fresh(self) -> str:
        """Return the URL of a new copy of the template."""
        name = uuid.uuid4().hex[:8]
        url = self._url(name)
        if self.pg is None:
            source = sqlite3.connect(self.template.removeprefix("sqlite:///"))
            target = sqlite3.connect(url.removeprefix("sqlite:///"))
            source.backup(target)
            source.close()
            target.close()
        else:
            self._admin(
                f'CREATE DATABASE "{self.prefix}_{name}" TEMPLATE "{self.prefix}_template"'
            )
            self.made.append(f"{self.prefix}_{name}")
        return url

    def drop_all(self) -> None:
        """Drop every PostgreSQL database made here."""
        if self.pg is not None:
            for name in [*self.made, f"{self.prefix}_template"]:
                self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Databases]:
    """Make the template once per module; drop what was made at the end."""
    made = Databases(tmp_path_factory.mktemp("faults"))
    yield made
    made.drop_all()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Gunicorn:
    """`gunicorn -w 2 wsgi:app` on a loopback port, started and stopped by the test."""

    def __init__(self, url: str, log: Path, delay_ms: int = 0, *args: str) -> None:
        self.url = url
        self.env = _env(url, delay_ms)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.args = args
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the server and wait until it answers."""
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    BIN / "gunicorn",
                    *("-w", "2", "-b", f"127.0.0.1:{self.port}"),
                    # A worker slowed by a busy machine is not a fault under test:
                    # gunicorn's 30 s heartbeat would kill it and reset connections.
                    *("--timeout", "120"),
                    *self.args,
                    *("--graceful-timeout", "5", "wsgi:app"),
                ],
                cwd=REPO,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

        def answers() -> bool:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError("gunicorn died:\n" + self.log.read_text())
            try:
                return requests.get(self.base + "/api/v1/openapi.json", timeout=2).ok
            except requests.RequestException:
                return False

        _wait_until(answers, "gunicorn to answer")
        _wait_until(lambda: len(self.workers()) == 2, "two gunicorn workers")

    def workers(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        assert self.process is not None
        found = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                found.append(int(stat.parent.name))
        return found

    def worker_serving(self) -> int:
        """Return the pid of the worker holding an open client connection."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            local_port = int(fields[1].split(":")[1], 16)
            if local_port == self.port and fields[3] == "01":  # ESTABLISHED
                inodes.add(f"socket:[{fields[9]}]")
        for pid in self.workers():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    if os.readlink(fd) in inodes:
                        return pid
                except OSError:
                    continue
        raise AssertionError("no worker holds the client's connection")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the whole server with ``sig`` and wait for it (killed if it lingers)."""
        if self.process is None or self.process.poll() is not None:
            return
        if sig == signal.SIGKILL:
            os.killpg(self.process.pid, sig)
        else:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=15)
        # Workers are in the master's process group; none may outlive it.
        _wait_until(lambda: not self.workers(), "the workers to exit")


@pytest.fixture
def serve(databases: Databases, tmp_path: Path) -> Iterator[Callable[..., Gunicorn]]:
    """Return a function starting a gunicorn on a fresh database; stop them all after."""
    servers: list[Gunicorn] = []

    def start(delay_ms: int = 0, *args: str) -> Gunicorn:
        server = Gunicorn(databases.fresh(), tmp_path / "gunicorn.log", delay_ms, *args)
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop(signal.SIGKILL)


class Device:
    """One signed-in browser: its own session cookie, a fresh CSRF token per push."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.id = str(uuid.uuid4())
        self.http = requests.Session()
        page = self.http.get(base + "/auth/login", timeout=30).text
        match = _META_CSRF.search(page)
        assert match, "no csrf-token on the sign-in page"
        response = self.http.post(
            base + "/auth/login",
            data={"username": USERNAME, "password": PASSWORD, "csrf_token": match[1]},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code in (302, 303), response.text[:500]

    def push(self, items: list[dict[str, Any]], base: str = "") -> requests.Response:
        """Push ``items`` as one batch (through ``base`` when given)."""
        # Every API call names the device, as the phone does: the session is bound
        # to the device its first push registered.
        token = self.http.get(
            self.base + "/api/v1/csrf", headers={"X-Device-Id": self.id}, timeout=30
        ).json()
        body = {
            "protocol": 1,
            "device": {
                "id": self.id,
                "pending_count": len(items),
                "oldest_pending_at": None,
                "app_version": "faults",
            },
            "items": items,
        }
        return self.http.post(
            (base or self.base) + "/api/v1/sync/push",
            json=body,
            headers={"X-CSRFToken": token["csrf_token"], "X-Device-Id": self.id},
            timeout=60,
        )


def _batch(size: int) -> list[dict[str, Any]]:
    """Return valid items: new families and visits to families not yet known."""
    return [
        samples.family_intake() if n % 3 == 0 else samples.home_visit(uuid.uuid4())
        for n in range(size)
    ]


def _stored(url: str) -> Counter[str]:
    """Return how many times each uuid is stored in the submission table."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.scalars(sa.select(Submission.uuid))
            return Counter(str(u) for u in rows)
    finally:
        engine.dispose()


def _uuids(items: list[dict[str, Any]]) -> Counter[str]:
    return Counter({item["uuid"]: 1 for item in items})


def _push_in_background(
    device: Device, items: list[dict[str, Any]]
) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def send() -> None:
        try:
            outcome["response"] = device.push(items)
        except requests.RequestException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=send)
    thread.start()
    return thread, outcome


def _strike_mid_batch(
    server: Gunicorn, items: list[dict[str, Any]], strike: Callable[[], None]
) -> Device:
    """Push ``items``, call ``strike`` once some (not all) are stored; check the loss."""
    device = Device(server.base)
    thread, outcome = _push_in_background(device, items)
    url = server.url
    _wait_until(lambda: sum(_stored(url).values()) >= 4, "a few items stored")
    strike()
    thread.join(timeout=60)
    # No verdict reached the client: the connection broke, or (quick shutdown) gunicorn
    # answered 500 for the interrupted request. Either way the device keeps every item.
    response = outcome.get("response")
    assert response is None or response.status_code >= 500, "a verdict got through"
    return device


def _retry_stores_each_once(
    server: Gunicorn, device: Device, items: list[dict[str, Any]]
) -> None:
    url = server.url
    before = _stored(url)
    assert 0 < sum(before.values()) < len(items), "the fault did not hit mid-batch"
    response = device.push(items)
    assert response.status_code == 200, response.text[:500]
    statuses = [r["status"] for r in response.json()["results"]]
    assert set(statuses) <= {"accepted", "duplicate"}
    assert statuses.count("duplicate") == sum(before.values())
    assert _stored(url) == _uuids(items)


def test_a_worker_killed_mid_batch_then_the_retry_stores_each_item_once(serve):
    server = serve(DELAY_MS)
    items = _batch(16)

    def kill_worker() -> None:
        victim = server.worker_serving()
        os.kill(victim, signal.SIGKILL)

    device = _strike_mid_batch(server, items, kill_worker)
    # The master replaces the dead worker; the retry may land on either.
    _wait_until(lambda: len(server.workers()) == 2, "a new worker")
    _retry_stores_each_once(server, device, items)


@pytest.mark.parametrize(
    "stop_signal",
    [signal.SIGQUIT, signal.SIGKILL],
    ids=["quick-shutdown", "killed-outright"],
)
def test_the_server_stopped_mid_batch_and_restarted_then_the_retry_stores_each_item_once(
    serve, stop_signal
):
    server = serve(DELAY_MS)
    items = _batch(16)
    device = _strike_mid_batch(server, items, lambda: server.stop(stop_signal))
    server.start()
    # The session lives in the database: the same sign-in survives the restart.
    _retry_stores_each_once(server, device, items)


class DroppingProxy:
    """Forwards HTTP requests to the server; swallows the response of the next push."""

    def __init__(self, upstream: int) -> None:
        self.upstream = upstream
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.base = f"http://127.0.0.1:{self.listener.getsockname()[1]}"
        self.drop_next_push = True
        self.dropped: list[bytes] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _addr = self.listener.accept()
            except OSError:
                return
            with conn:
                self._relay(conn)

    def _relay(self, conn: socket.socket) -> None:
        request = _read_request(conn)
        with socket.create_connection(("127.0.0.1", self.upstream)) as upstream:
            upstream.sendall(request)
            # gunicorn's sync workers close the connection after each response.
            response = b"".join(iter(lambda: upstream.recv(65536), b""))
        if self.drop_next_push and request.startswith(b"POST /api/v1/sync/push"):
            # Committed on the server, lost on the way back: close without a byte.
            self.drop_next_push = False
            self.dropped.append(response)
            return
        conn.sendall(response)

    def close(self) -> None:
        """Stop accepting connections."""
        self.listener.close()


def _read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(65536)
    head, _sep, body = data.partition(b"\r\n\r\n")
    length = re.search(rb"(?im)^content-length:\s*(\d+)", head)
    needed = int(length[1]) if length else 0
    while len(body) < needed:
        body += conn.recv(65536)
    return head + b"\r\n\r\n" + body


def test_a_response_lost_after_the_commit_makes_the_retry_a_duplicate_with_the_original_receipt(
    serve,
):
    server = serve()
    proxy = DroppingProxy(server.port)
    try:
        device = Device(proxy.base)
        items = _batch(6)
        with pytest.raises(requests.ConnectionError):
            device.push(items)
        assert len(proxy.dropped) == 1
        lost = json.loads(proxy.dropped[0].partition(b"\r\n\r\n")[2])
        assert [r["status"] for r in lost["results"]] == ["accepted"] * len(items)
        retry = device.push(items)
    finally:
        proxy.close()
    assert retry.status_code == 200
    results = retry.json()["results"]
    assert [r["status"] for r in results] == ["duplicate"] * len(items)
    assert [r["receipt"] for r in results] == [r["receipt"] for r in lost["results"]]
    assert _stored(server.url) == _uuids(items)


def test_a_fifth_of_deliveries_repeated_some_at_the_same_moment_store_each_item_once(
    serve,
):
    # gthread: 2 workers x 4 threads, so repeated deliveries really run side by side.
    server = serve(0, "-k", "gthread", "--threads", "4")
    devices = [Device(server.base) for _ in range(6)]
    rng = random.Random(6)
    items = _batch(100)
    rounds: list[list[list[dict[str, Any]]]] = []
    for start in range(0, len(items), 25):
        fresh = items[start : start + 25]
        batches: list[list[dict[str, Any]]] = [[] for _ in devices]
        for n, item in enumerate(fresh):
            batches[n % len(devices)].append(item)
        # 3 of 5 repeats go to another device in the same round (at the same moment);
        # the others replay an item from the round before.
        same_round = rng.sample(range(len(fresh)), 3 if start else 5)
        for k, n in enumerate(same_round):
            batches[(n + 1 + k) % len(devices)].append(fresh[n])
        if start:
            for k, item in enumerate(rng.sample(items[start - 25 : start], 2)):
                batches[k].append(item)
        rounds.append(batches)
    deliveries = sum(len(b) for batches in rounds for b in batches)
    assert deliveries == 120  # 100 items, 20 repeated deliveries

    results: list[dict[str, Any]] = []
    failures: list[BaseException] = []
    for batches in rounds:
        start_together = threading.Barrier(len(devices))

        def send(
            device: Device,
            batch: list[dict[str, Any]],
            start_together: threading.Barrier = start_together,
        ) -> None:
            try:
                start_together.wait(timeout=30)
                response = device.push(batch)
                assert response.status_code == 200, response.text[:300]
                results.extend(response.json()["results"])
            except BaseException as exc:  # reported below
                failures.append(exc)

        threads = [
            threading.Thread(target=send, args=pair)
            for pair in zip(devices, batches, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    assert not failures, failures
    assert len(results) == deliveries
    assert {r["status"] for r in results} <= {"accepted", "duplicate"}
    accepted = Counter(r["uuid"] for r in results if r["status"] == "accepted")
    assert accepted == _uuids(items)
    receipts: dict[str, set[int]] = {}
    for r in results:
        receipts.setdefault(r["uuid"], set()).add(r["receipt"]["server_id"])
    assert all(len(ids) == 1 for ids in receipts.values())
    assert _stored(server.url) == _uuids(items)
