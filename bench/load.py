"""Sync load through gunicorn: 100 simulated devices pushing batches on loopback.

    .venv/bin/python bench/load.py [--db sqlite|postgresql|both] [--seconds 60]
        [--devices 100] [--rate 250] [--workers 2*cores+1] [--worker-class sync]

Each device is a thread with its own requests.Session, signed in as its own social
worker. Like the PWA it fetches a fresh CSRF token before every batch, then pushes 1-10
items (one in five registers a family, the others visit one of its families). Devices
are paced so that together they offer --rate submissions/s (a field team does not
push non-stop); a device that falls behind pushes again at once, so a server slower
than the offered rate shows as lower throughput and longer latencies. Printed:
sustained stored submissions/s, latency of the push requests (p50/p95/p99/max) and of
the whole sync round (CSRF + push), and every error (non-200, or an item not
accepted). Targets: >= 200 submissions/s, p99 <= 250 ms, zero errors.
On SQLite it also samples the write-ahead log's size every second, runs cron's
checkpoint (`flask cron`, db.checkpoint) every --checkpoint-every seconds while the
load goes on, and prints the largest log seen and its size at the end, before and
after a last checkpoint under load.
Only 127.0.0.1 is contacted; every loop is bounded by --seconds.
"""

from __future__ import annotations

import os
import random
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from datetime import UTC
from datetime import datetime
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa
from argon2 import PasswordHasher
from common import BIN
from common import PASSWORD
from common import REPO
from common import arguments
from common import family_of
from common import fresh_database
from common import machine
from common import make_app
from common import server_env
from common import visit_or_intake

from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.submissions.models import Submission

_META_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _make_users(url: str, count: int) -> list[str]:
    """Create ``count`` social workers with the production password hashing."""
    app = make_app(url)
    hashed = PasswordHasher().hash(PASSWORD)  # one hash, verified at each sign-in
    names = [f"worker{n:03d}" for n in range(count)]
    with app.app_context():
        session = db.session()
        for name in names:
            session.add(
                User(
                    username=name,
                    full_name=name.title(),
                    role="social_worker",
                    locale="sq",
                    password_hash=hashed,
                )
            )
        session.commit()
    db.engine(app).dispose()
    return names


class Device(threading.Thread):
    """One phone: signs in, then pushes paced batches until the deadline."""

    def __init__(self, base: str, username: str, interval: float, seed: int) -> None:
        super().__init__(daemon=True)
        self.base = base
        self.username = username
        self.interval = interval
        self.rng = random.Random(seed)
        self.id = str(uuid.uuid4())
        self.http = requests.Session()
        self.families: list[tuple[str, list[str]]] = []
        self.push_ms: list[float] = []
        self.round_ms: list[float] = []
        self.accepted = 0
        self.errors: list[str] = []
        self.ready = threading.Event()
        self.start_at = 0.0
        self.stop_at = 0.0
        self.counter = 0
        self.finished = 0.0

    def sign_in(self) -> None:
        """Sign in like a browser (CSRF token from the page)."""
        page = self.http.get(self.base + "/auth/login", timeout=60).text
        match = _META_CSRF.search(page)
        assert match, "no csrf-token on the sign-in page"
        response = self.http.post(
            self.base + "/auth/login",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrf_token": match[1],
            },
            allow_redirects=False,
            timeout=60,
        )
        assert response.status_code in (302, 303), response.status_code

    def _batch(self) -> list[dict[str, Any]]:
        items = []
        for _ in range(self.rng.randint(1, 10)):
            self.counter += 1
            item = visit_or_intake(self.families, self.counter)
            items.append(item)
        return items

    def _push_once(self) -> None:
        items = self._batch()
        started = time.perf_counter()
        token = self.http.get(
            self.base + "/api/v1/csrf", headers={"X-Device-Id": self.id}, timeout=30
        )
        sent = time.perf_counter()
        response = self.http.post(
            self.base + "/api/v1/sync/push",
            json={
                "protocol": 1,
                "device": {
                    "id": self.id,
                    "pending_count": len(items),
                    "oldest_pending_at": None,
                    "app_version": "load",
                },
                "items": items,
            },
            headers={
                "X-CSRFToken": token.json()["csrf_token"],
                "X-Device-Id": self.id,
            },
            timeout=30,
        )
        done = time.perf_counter()
        self.finished = time.monotonic()
        self.push_ms.append((done - sent) * 1000)
        self.round_ms.append((done - started) * 1000)
        if response.status_code != 200:
            self.errors.append(f"HTTP {response.status_code}")
            return
        for item, result in zip(items, response.json()["results"], strict=True):
            if result["status"] != "accepted":
                self.errors.append(f"{result['status']}: {result.get('message')}")
                continue
            self.accepted += 1
            if item["form_id"] == "family_intake":
                self.families.append(family_of(item))

    def run(self) -> None:
        """Sign in, wait for the start, then push on schedule until the stop time."""
        try:
            self.sign_in()
        except Exception as exc:  # reported, not raised in a thread
            self.errors.append(f"sign-in: {exc!r}")
            return
        finally:
            self.ready.set()
        while time.monotonic() < self.start_at:
            time.sleep(0.01)
        # Spread the first pushes over one interval; then keep the pace.
        due = self.start_at + self.rng.uniform(0, self.interval)
        while True:
            now = time.monotonic()
            if due > now:
                time.sleep(max(0.0, min(due, self.stop_at) - now))
            if time.monotonic() >= self.stop_at:
                return
            try:
                self._push_once()
            except requests.RequestException as exc:
                self.errors.append(repr(exc))
            due += self.interval * self.rng.uniform(0.5, 1.5)


class Server:
    """gunicorn wsgi:app on a loopback port."""

    def __init__(self, url: str, workers: int, worker_class: str, log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [
            str(BIN / "gunicorn"),
            *("-w", str(workers), "-k", worker_class),
            *("-b", f"127.0.0.1:{self.port}", "--backlog", "256"),
            *("--timeout", "60", "wsgi:app"),
        ]
        if worker_class == "gthread":
            command[1:1] = ["--threads", "4"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=server_env(url),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn died:\n" + log.read_text())
            try:
                if requests.get(self.base + "/api/v1/openapi.json", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.2)
        raise SystemExit("gunicorn did not answer within 60 s")

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) gunicorn and its workers used so far."""
        ticks = os.sysconf("SC_CLK_TCK")
        total = 0.0
        pids = [self.process.pid, *_children(self.process.pid)]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # a worker that just exited
                continue
            total += (int(fields[11]) + int(fields[12])) / ticks
        return total

    def stop(self) -> None:
        """Stop gunicorn and its workers."""
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.extend(int(child) for child in children)
    return found


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


class WalWatch(threading.Thread):
    """Sample an SQLite file's write-ahead log and checkpoint it as cron would."""

    def __init__(self, url: str, every: float) -> None:
        super().__init__(daemon=True)
        self.path = Path(sa.make_url(url).database or "")
        self.app = make_app(url)
        self.every = every
        self.stop = threading.Event()
        self.largest = 0
        self.checkpoints: list[db.Checkpoint] = []

    def size(self) -> int:
        wal = self.path.with_name(self.path.name + "-wal")
        return wal.stat().st_size if wal.exists() else 0

    def run(self) -> None:
        next_checkpoint = time.monotonic() + self.every
        while not self.stop.wait(1.0):
            self.largest = max(self.largest, self.size())
            if time.monotonic() >= next_checkpoint:
                self.checkpoint()
                next_checkpoint = time.monotonic() + self.every

    def checkpoint(self) -> db.Checkpoint:
        done = db.checkpoint(self.app)
        assert done is not None
        self.checkpoints.append(done)
        return done

    def report(self, last: db.Checkpoint) -> str:
        complete = sum(c.complete for c in self.checkpoints)
        return (
            f"  sqlite log largest {self.largest / 1e6:5.1f} MB during the run "
            f"(checkpoint every {self.every:.0f} s: {complete} of "
            f"{len(self.checkpoints)} complete) | at the end {last.wal_bytes_before / 1e6:5.1f}"
            f" MB, after a checkpoint under load {last.wal_bytes_after / 1e6:5.1f} MB "
            f"| database {self.path.stat().st_size / 1e6:5.1f} MB"
        )


def run(kind: str, args: Any, log: Path) -> None:
    """Run the load on a fresh ``kind`` database and print one block of figures."""
    wal_line = ""
    with fresh_database(kind) as url:
        names = _make_users(url, args.devices)
        server = Server(url, args.workers, args.worker_class, log)
        watch = WalWatch(url, args.checkpoint_every) if kind == "sqlite" else None
        try:
            interval = args.devices * 5.5 / args.rate  # 5.5 items per batch on average
            devices = [
                Device(server.base, name, interval, seed)
                for seed, name in enumerate(names)
            ]
            # Sign-ins (Argon2, production cost) happen before the clock starts.
            start_at = time.monotonic() + 3600
            for device in devices:
                device.start_at, device.stop_at = start_at, start_at + args.seconds
                device.start()
            for device in devices:
                device.ready.wait(timeout=300)
            start_at = time.monotonic() + 1
            for device in devices:
                device.start_at, device.stop_at = start_at, start_at + args.seconds
            server_cpu, own_cpu = server.cpu_seconds(), time.process_time()
            if watch is not None:
                watch.start()
                # The last checkpoint runs while the devices are still pushing.
                time.sleep(max(0.0, start_at + args.seconds - 2 - time.monotonic()))
                watch.stop.set()
                watch.join()
                wal_line = "\n" + watch.report(watch.checkpoint())
            for device in devices:
                device.join(timeout=args.seconds + 120)
            # The window runs until the last push started in it has its answer.
            last = max((d.finished for d in devices), default=start_at)
            elapsed = max(last - start_at, args.seconds)
            server_cpu = server.cpu_seconds() - server_cpu
            own_cpu = time.process_time() - own_cpu
        finally:
            server.stop()
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            stored = connection.scalar(sa.select(sa.func.count(Submission.id)))
        engine.dispose()
    push_ms = [ms for d in devices for ms in d.push_ms]
    round_ms = [ms for d in devices for ms in d.round_ms]
    errors = [e for d in devices for e in d.errors]
    accepted = sum(d.accepted for d in devices)
    print(
        f"{kind:<10} {args.devices} devices, {args.seconds:.0f} s, offered "
        f"{args.rate:.0f}/s, gunicorn -w {args.workers} -k {args.worker_class}\n"
        f"  sustained  {accepted / elapsed:7.1f} submissions/s "
        f"({accepted} accepted, {stored} rows stored, {len(push_ms)} pushes, "
        f"{accepted / max(len(push_ms), 1):.1f} items/push)\n"
        f"  push       p50 {_pct(push_ms, 0.50):6.1f} ms | p95 "
        f"{_pct(push_ms, 0.95):6.1f} ms | p99 {_pct(push_ms, 0.99):6.1f} ms | max "
        f"{max(push_ms, default=float('nan')):6.1f} ms | mean "
        f"{statistics.fmean(push_ms) if push_ms else float('nan'):6.1f} ms\n"
        f"  csrf+push  p50 {_pct(round_ms, 0.50):6.1f} ms | p95 "
        f"{_pct(round_ms, 0.95):6.1f} ms | p99 {_pct(round_ms, 0.99):6.1f} ms\n"
        f"  cpu        gunicorn {server_cpu / elapsed:4.2f} cores | load generator "
        f"{own_cpu / elapsed:4.2f} cores | of {os.cpu_count()}\n"
        f"  errors     {len(errors)}"
        + (f"  e.g. {sorted(set(errors))[:3]}" if errors else "")
        + wal_line
    )
    verdicts = [
        ("throughput >= 200/s", accepted / elapsed >= 200),
        ("p99 <= 250 ms", _pct(push_ms, 0.99) <= 250),
        ("zero errors", not errors),
    ]
    print(
        "  targets    "
        + ", ".join(f"{t}: {'yes' if ok else 'NO'}" for t, ok in verdicts)
    )


def main() -> None:
    """Parse the options and run each database asked for."""
    parser = arguments(__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument(
        "--rate", type=float, default=250, help="submissions/s offered by all devices"
    )
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default="sync")
    parser.add_argument(
        "--checkpoint-every",
        type=float,
        default=20,
        help="SQLite: seconds between checkpoints during the run (cron: 300)",
    )
    args = parser.parse_args()
    kinds = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    print(f"# bench/load.py  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  {machine()}")
    log = Path(tempfile.gettempdir()) / f"fieldapp-bench-load-{os.getpid()}.log"
    for kind in kinds:
        run(kind, args, log)
    print(f"# gunicorn log: {log}")


if __name__ == "__main__":
    main()
