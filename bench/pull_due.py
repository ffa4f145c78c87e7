"""Pull build time and gzip size, with and without the "My work" due list (issue 16), for
the demo social worker given 300 more families (a visit due each, half a case with an
overdue service). No budget is written down for the pull: the figures are for comparison.

    .venv/bin/python bench/pull_due.py
"""

import gzip
import json
import statistics
import tempfile
import time
import uuid
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa

from fieldapp import create_app
from fieldapp import db
from fieldapp.auth.models import User
from fieldapp.cases.models import CaseService
from fieldapp.cases.models import SupportCase
from fieldapp.demo.cli import load_demo
from fieldapp.families import services as fs
from fieldapp.families.models import Family
from fieldapp.families.models import Member
from fieldapp.sync_api.pull_source import SqlPullSource
from sync.pull import build_pull

folder = tempfile.mkdtemp()
app = create_app(
    {
        "TESTING": True,
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{folder}/a.sqlite",
        "DATA_KEYS": "8ZTt6nd7m3tH9c4M6a0kq2WbI6Jx6gkYk0nqzK0Zr8Q=",
    }
)
db.upgrade(app)
today = date.today()
with app.test_request_context():
    load_demo("pw-123456789")
    s = db.session()
    social = s.scalar(sa.select(User).where(User.username == "social"))
    coord = s.scalar(sa.select(User).where(User.username == "coordinator"))
    for i in range(300):
        f = Family(
            id=uuid.uuid4(),
            name=f"Familja {i}",
            municipality="ferizaj",
            village="Softaj",
            programme="rehabilitation_daily",
            next_visit_on=today - timedelta(days=i % 30),
            created_by_id=coord.id,
        )
        fs.index_family(f)
        s.add(f)
        for j in range(4):
            s.add(
                Member(
                    id=uuid.uuid4(),
                    family=f,
                    full_name=f"Anëtar {i}-{j}",
                    birth_year=1990 + j,
                    sex="female",
                    relationship="child",
                )
            )
        s.flush()
        fs.assign(f, social, coord)
        if i % 2 == 0:
            c = SupportCase(
                family_id=f.id,
                programme="rehabilitation_daily",
                status="active",
                next_review_on=today + timedelta(days=i % 20),
            )
            s.add(c)
            s.flush()
            s.add(
                CaseService(
                    case_id=c.id,
                    service_type="literacy",
                    planned_on=today - timedelta(days=i % 10),
                )
            )
    s.commit()
    social = s.get(User, social.id)

    class NoDue(SqlPullSource):
        def due(self):
            return []

    for label, cls in (("without due", NoDue), ("with due", SqlPullSource)):
        times, sizes = [], []
        for _ in range(7):
            t0 = time.perf_counter()
            result = build_pull(cls(social), None, datetime.now(UTC))
            raw = json.dumps(
                result.__dict__, ensure_ascii=False, separators=(",", ":")
            ).encode()
            times.append((time.perf_counter() - t0) * 1000)
            sizes.append(len(gzip.compress(raw, 6)))
        print(
            f"full pull, {len(result.family_ids)} families, {label}: median {statistics.median(times):.0f} ms,"
            f" gzip {sizes[0] / 1024:.1f} KB, due items {len(result.due)}"
        )
    t0 = time.perf_counter()
    from fieldapp.cases.due import phone_items

    for _ in range(7):
        phone_items(social)
    print(f"phone_items alone: {(time.perf_counter() - t0) * 1000 / 7:.0f} ms")
