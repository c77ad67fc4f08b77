"""Console benchmark: server time of the pages people open.

* ``page_ms_p95``     every console page (overview, collection, rankings, health report,
                      entry to-do and form, review queue, expert scoring, appeals, ledger,
                      proof, plugins, webhooks, users) for every role that may open it, on
                      the demo bureau: the 95th percentile of the time the app takes to
                      answer (in process, so no network), after one warm-up pass;
                      target < 300 ms;
* ``pdf_ms_p95``      the printable documents (score notice, health report, publication);
* ``ranking_1000_ms`` the rankings page of a bureau with 1,000 units in one group of a
                      cycle whose results are stored (median of 5 after a warm-up);
                      target < 500 ms.

Usage: ``python bench/console.py [--quick] [--database-url URL]`` (PostgreSQL: the bench
works in a scratch database of its own and drops it).
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import datetime as dt
import os
import re
import statistics
import tempfile
import time

from bench.ledger import scratch_database

PAGES = {
    "/": ("demo-admin", "demo-reporter", "demo-reviewer", "demo-expert", "demo-auditor"),
    "/collection/": ("demo-admin", "demo-reviewer", "demo-auditor"),
    "/rankings": ("demo-admin", "demo-reporter", "demo-reviewer", "demo-auditor"),
    "/report/unit/service": ("demo-admin", "demo-reporter", "demo-auditor"),
    "/entry/": ("demo-admin", "demo-reporter"),
    "/entry/service": ("demo-admin", "demo-reporter"),
    "/review": ("demo-admin", "demo-reviewer"),
    "/scoring/": ("demo-expert",),
    "/appeals/": ("demo-admin", "demo-reporter", "demo-reviewer"),
    "/ledger/": ("demo-admin", "demo-auditor"),
    "/ledger/proof/3": ("demo-auditor",),
    "/plugins/": ("demo-admin",),
    "/webhooks/": ("demo-admin",),
    "/users/": ("demo-admin",),
}
DOCUMENTS = ("/notice/unit/service.pdf", "/report/unit/service.pdf",
             "/rankings/publication.pdf?group=B")  # fmt: skip
PASSWORD = "bench passphrase 2026"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(app, bureau: str, username: str):
    client = app.test_client()
    token = TOKEN.search(client.get("/signin").get_data(as_text=True)).group(1)
    answer = client.post("/signin", data={"csrf_token": token, "bureau": bureau,
                                          "username": username, "password": PASSWORD})  # fmt: skip
    assert answer.status_code == 302, answer.status_code
    return client


def timed(client, path: str) -> float:
    started = time.perf_counter()
    answer = client.get(path)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (path, answer.status_code)
    return elapsed


def passwords(platform, bureau: str) -> None:
    from sqlalchemy import select

    from core.domain import accounts
    from core.domain.models import Bureau, User

    with platform.db.transaction() as session:
        rows = session.scalars(
            select(User).join(Bureau, User.bureau_id == Bureau.id).where(Bureau.code == bureau)
        )
        for user in rows:
            accounts.set_password(session, user, PASSWORD, must_change=False)


def big_bureau(platform, units: int) -> None:
    """A bureau of ``units`` units in one group, one yearly indicator with a value each,
    a published scheme with graded quotas: its results are stored as the server keeps
    them."""
    from core.services import bureaus, cycles, indicators, schemes, users, values
    from core.services import units as unit_service
    from core.services.context import Context

    ctx = Context.system(platform, "system:bench")
    bureaus.create(ctx, "big", "千单位局", "A bureau of many units")
    for n in range(units):
        unit_service.create(ctx, "big", f"u{n:04d}", f"单位{n:04d}", group="A")
    indicators.create(ctx, "big", "done", "任务完成率", "Task completion", "%")
    cycles.create(ctx, "big", "2026", "2026年度", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
                  ["year"])  # fmt: skip
    scheme = {
        "code": "big", "name": "千单位方案", "group": "A", "total": 100,
        "nodes": [{"code": "task", "name": "任务完成", "points": 100, "indicator": "done",
                   "rule": {"type": "target_ratio", "params": {"target": "100"}},
                   "unit": "%"}],
        "grades": [{"code": "first", "name": "一等", "min": 90, "quota": 0.2},
                   {"code": "second", "name": "二等", "min": 75},
                   {"code": "third", "name": "三等"}],
    }  # fmt: skip
    schemes.import_scheme(ctx, "big", "2026", scheme, publish=True)
    values.record(ctx, "big", [
        {"unit": f"u{n:04d}", "indicator": "done", "cycle": "2026", "period": "2026",
         "value": str(60 + (n * 37) % 41)}
        for n in range(units)
    ])  # fmt: skip
    users.create(ctx, "big", "big-admin", "bureau_admin")
    passwords(platform, "big")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds, 200 units")
    parser.add_argument("--database-url", default=os.environ.get("JIXIAO_BENCH_DATABASE_URL"))
    args = parser.parse_args()
    rounds = 3 if args.quick else 10
    with tempfile.TemporaryDirectory() as folder, scratch_database(args.database_url) as url:
        os.environ["JIXIAO_INSTANCE_PATH"] = folder
        if url:
            os.environ["JIXIAO_DATABASE_URL"] = url
        from core.app import create_app
        from core.kernel import migrate
        from core.services import setup

        app = create_app()
        platform = app.extensions["jixiao"]
        migrate.upgrade(platform.db.url)
        platform.keys.ensure("bench")
        setup.prepare(platform)
        setup.demo(platform)
        passwords(platform, "demo")
        clients = {u: sign_in(app, "demo", u) for users in PAGES.values() for u in users}
        samples, documents = [], []
        for r in range(rounds + 1):
            for path, users in PAGES.items():
                for user in users:
                    ms = timed(clients[user], "/bureaus/demo" + path)
                    if r:
                        samples.append(ms)
        for r in range(2 if args.quick else 4):
            for path in DOCUMENTS:
                ms = timed(clients["demo-admin"], "/bureaus/demo" + path)
                if r:
                    documents.append(ms)
        big_bureau(platform, 200 if args.quick else 1000)
        admin = sign_in(app, "big", "big-admin")
        timed(admin, "/bureaus/big/rankings")
        ranking = [timed(admin, "/bureaus/big/rankings") for _ in range(5)]
        platform.db.dispose()

    def p95(values: list[float]) -> float:
        return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]

    print(f"pages measured: {len(samples)} ({len(PAGES)} pages × roles × {rounds} rounds)")
    print(f"page_ms_p95 {p95(samples):.1f}")
    print(f"page_ms_max {max(samples):.1f}")
    print(f"pdf_ms_p95 {p95(documents):.1f}")
    print(f"ranking_{'200' if args.quick else '1000'}_ms {statistics.median(ranking):.1f}")


if __name__ == "__main__":
    main()
