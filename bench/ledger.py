"""Ledger benchmark: appends, durable API appends, verification rate and memory.

Every ratio compares against a baseline measured in the same run on the same machine:

* ``append_ratio``   bulk append (canonical body, SHA-256, chain link, Merkle frontier,
                     triggers, one lock) ÷ a plain ``executemany`` of the same records,
                     JSON-encoded with ``json.dumps``, into a table with no chain, hashes
                     or triggers; ``append_ratio_same_codec``: the same, the plain insert
                     encoding with orjson, as the ledger does;
* ``verify_ratio``   full verification from the database ÷ a bare loop of
                     ``json.loads`` + canonicalise (``json``) + SHA-256 over the same bytes
                     in memory; ``verify_ratio_same_codec``: the loop with orjson, the
                     codec the verifier uses (so what is left is the chain, Merkle and
                     checkpoint work, and reading the rows);
* ``verify_per_s_sm3`` the same verification on a log of the ``sm3-sm2`` suite of the same
                     size (SM3 leaves and nodes);
* ``verify_peak_mb`` peak RSS of a fresh process that verifies a 1,000,000-entry log;
* ``proof_ms_1m``    an inclusion proof plus a consistency proof on that 1,000,000-entry log,
                     computed from storage (its tiles), median of 50, each with a fresh
                     reader; ``proof_ms_prefix_1m``: the same two proofs the way they were
                     computed before tiles (reading every leaf hash of the prefix), once;
* ``mirror_per_s``   entries per second that ``jixiao ledger mirror`` copies and verifies
                     from the platform's tiles over HTTP on 127.0.0.1 (server in a thread
                     of the same process: a pessimistic figure);
* ``durable_appends_per_s`` single-value POSTs through the API, each its own durable
                     transaction (target ≥ 400 on SQLite), after a warm-up of
                     ``WARM_UP`` posts, best of ``ROUNDS`` rounds like every figure
                     here; ``durable_commits_per_s``: the baseline, one-row durable
                     commits through sqlite3 in the same run; ``durable_share_of_commits``:
                     the first ÷ the second.

Usage: ``python bench/ledger.py [--quick] [--database-url URL]`` (SQLite by default).
Prints one ``name: value`` line per figure.
"""

from __future__ import annotations

import sys
from pathlib import Path

# `python bench/x.py` puts bench/ first on sys.path, where bench/webhooks.py would shadow
# the webhooks package: put the repository root there instead.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse
import hashlib
import json
import logging
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
from sqlalchemy import select, text

from core.kernel import migrate
from core.kernel.db import Database, make_engine
from core.ledger import audit, merkle, proofs
from core.ledger.checkpoints import leaf_hashes
from core.ledger.models import LedgerEntry, LedgerLog
from core.ledger.store import Record, append_many, create_log
from core.ledger.tlog import canonical_text, load_verifiers

CHUNK = 50_000
ROUNDS = 3
WARM_UP = 20


def record(i: int) -> Record:
    """A typical value entry."""
    return Record(
        "value.recorded",
        {
            "unit": f"unit-{i % 1000:04d}",
            "indicator": f"ind-{i % 200:03d}",
            "cycle": "2026",
            "period": f"2026-Q{i % 4 + 1}",
            "value": f"{80 + i % 20}.{i % 100:02d}",
            "corrects": None,
        },
        "user:reporter",
    )


@contextmanager
def scratch_database(url: str | None, suffix: str = "") -> Iterator[str | None]:
    """A PostgreSQL URL names the server to measure, not a database to fill: the bench
    works in a database of its own and drops it afterwards. SQLite (None) is a
    temporary file anyway."""
    if not url or not url.startswith("postgresql"):
        yield url
        return
    name = f"jixiao_bench_{os.getpid()}{suffix}"
    server = make_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield url.rsplit("/", 1)[0] + "/" + name
    finally:
        with server.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        server.dispose()


def fresh_database(url: str | None, folder: Path) -> Database:
    url = url or f"sqlite:///{folder / 'bench.sqlite3'}"
    migrate.upgrade(url)
    return Database(url)


def new_log(db: Database, origin: str, suite: str | None = None) -> int:
    with db.transaction() as s:
        return create_log(s, origin, suite).id


def bulk_append(db: Database, log_id: int, n: int) -> float:
    """Seconds to append ``n`` entries, in transactions of CHUNK entries (an import)."""
    start = time.perf_counter()
    for offset in range(0, n, CHUNK):
        with db.transaction() as s:
            append_many(s, log_id, (record(i) for i in range(offset, min(n, offset + CHUNK))))
    return time.perf_counter() - start


def plain_insert(db: Database, n: int, table: str, same_codec: bool = False) -> float:
    """The baseline: the same records — every envelope member but the chain link ``prev``
    — JSON-encoded with ``json.dumps`` into a table keyed like ``ledger_entries`` (log,
    position) but with no chain column, no hash column and no triggers."""
    without_rowid = " WITHOUT ROWID" if db.engine.dialect.name == "sqlite" else ""
    with db.engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {table} (log_id INTEGER, seq BIGINT, body BYTEA, "
                f"PRIMARY KEY (log_id, seq)){without_rowid}".replace(
                    "BYTEA", "BLOB" if without_rowid else "BYTEA"
                )
            )
        )
    ts = "2026-11-22T00:00:00.000000Z"
    start = time.perf_counter()
    for offset in range(0, n, CHUNK):
        rows = []
        for i in range(offset, min(n, offset + CHUNK)):
            r = record(i)
            body = {
                "v": 1,
                "log": "jixiao/plain",
                "seq": i,
                "ts": ts,
                "actor": r.actor,
                "kind": r.kind,
                "data": r.data,
            }
            encoded = orjson.dumps(body) if same_codec else json.dumps(body, ensure_ascii=False)
            rows.append((1, i, encoded if same_codec else encoded.encode()))
        with db.engine.begin() as conn:  # the same DBAPI executemany the ledger uses
            mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            conn.exec_driver_sql(
                f"INSERT INTO {table} (log_id, seq, body) VALUES ({mark}, {mark}, {mark})", rows
            )
    return time.perf_counter() - start


def verify_seconds(db: Database, log_id: int) -> float:
    with db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        start = time.perf_counter()
        report = audit.verify_log(s, log, audit.Trust([]))
        elapsed = time.perf_counter() - start
    assert report.ok, report.finding
    return elapsed


def bare_loop_seconds(db: Database, log_id: int, same_codec: bool = False) -> float:
    """Parse + canonicalise + SHA-256 over the bodies in memory: with the standard
    library, or (``same_codec``) with orjson, the codec the verifier itself uses."""
    with db.transaction() as s:
        bodies = [
            bytes(b)
            for b in s.scalars(select(LedgerEntry.body).where(LedgerEntry.log_id == log_id))
        ]
    start = time.perf_counter()
    if same_codec:
        for body in bodies:
            canonical = orjson.dumps(orjson.loads(body), option=orjson.OPT_SORT_KEYS)
            hashlib.sha256(b"\x00" + canonical).digest()
    else:
        for body in bodies:
            hashlib.sha256(b"\x00" + canonical_text(json.loads(body)).encode()).digest()
    return time.perf_counter() - start


def durable_appends_per_s(folder: Path, url: str | None, n: int) -> float:
    """Single-value POSTs through the API (validation, ledger, projection, commit)."""
    os.environ["JIXIAO_INSTANCE_PATH"] = str(folder / "instance")
    if url:
        os.environ["JIXIAO_DATABASE_URL"] = url
    else:
        os.environ["JIXIAO_DATABASE_URL"] = f"sqlite:///{folder / 'api.sqlite3'}"
        migrate.upgrade(os.environ["JIXIAO_DATABASE_URL"])
    from core.app import create_app
    from core.ledger.signing import KeyRing
    from core.services import setup
    from core.services.demo import create_demo

    KeyRing(folder / "instance" / "keys").add("jixiao-bench")
    app = create_app()
    platform = app.extensions["jixiao"]
    setup.prepare(platform)
    token = create_demo(platform)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    last: dict[int, int] = {}

    def post(i: int) -> None:
        row = {
            "unit": "office",
            "indicator": "management",
            "cycle": "2026",
            "period": f"2026-Q{i % 4 + 1}",
            "value": str(i % 100),
            "note": f"bench {i}",
        }
        if i % 4 in last:
            row["corrects"] = last[i % 4]
        r = client.post("/api/v1/bureaus/demo/values", json=row, headers=headers)
        assert r.status_code == 201, r.json
        last[i % 4] = r.json["entries"][0]["seq"]

    for i in range(WARM_UP):  # first statements compiled, caches filled: not timed
        post(i)
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for i in range(n):
            post(i)
        best = min(best, time.perf_counter() - start)
    platform.db.dispose()
    return n / best


def durable_commits_per_s(folder: Path, n: int) -> float:
    """The baseline for ``durable_appends_per_s``: one small row per transaction with
    the same settings (WAL, ``synchronous=FULL``, ``BEGIN IMMEDIATE``), through
    sqlite3 directly: the most a durable write can do on this disk and CPU now."""
    import sqlite3

    conn = sqlite3.connect(folder / "commits.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    body = b"x" * 400
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.perf_counter()
        for _ in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (body) VALUES (?)", (body,))
            conn.execute("COMMIT")
        best = min(best, time.perf_counter() - start)
    conn.close()
    return n / best


def peak_rss_mb() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the address space, so unlike
    ``ru_maxrss`` it does not inherit the high-water mark of the parent we forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _verify_child(url: str, log_id: int, out) -> None:
    db = Database(url)
    verify_seconds(db, log_id)
    out.put(peak_rss_mb())


def verify_peak_mb(db: Database, log_id: int) -> float:
    """Peak RSS (MB) of a fresh process verifying the log."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    child = ctx.Process(target=_verify_child, args=(db.url, log_id, out))
    child.start()
    peak = out.get(timeout=3600)
    child.join()
    if child.exitcode != 0:
        raise RuntimeError("verification child failed")
    return peak


def proof_ms(db: Database, log_id: int, rounds: int = 50) -> tuple[float, float]:
    """Median milliseconds of an inclusion plus a consistency proof from the tiles, and
    the same two proofs from the prefix's leaf hashes (once: it takes seconds)."""
    rng = random.Random(9162)
    times = []
    with db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        n = log.size
        for _ in range(rounds):
            index, first = rng.randrange(n), rng.randrange(1, n)
            start = time.perf_counter()
            proofs.inclusion_proof(s, log, index, n)
            proofs.consistency_proof(s, log, first, n)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        leaves = leaf_hashes(s, log_id, n)
        merkle.inclusion_proof(index, leaves)
        merkle.consistency_proof(first, leaves)
        prefix = time.perf_counter() - start
    return statistics.median(times) * 1000, prefix * 1000


def mirror_per_s(folder: Path, url: str | None, n: int) -> float:
    """Entries per second `jixiao ledger mirror` copies and verifies over HTTP."""
    import threading

    from werkzeug.serving import make_server

    from core.app import create_app
    from core.ledger import mirror
    from core.services import ledger, setup
    from core.services.context import Context
    from core.services.demo import create_demo

    os.environ["JIXIAO_INSTANCE_PATH"] = str(folder / "mirror-instance")
    os.environ["JIXIAO_DATABASE_URL"] = url or f"sqlite:///{folder / 'mirror.sqlite3'}"
    migrate.upgrade(os.environ["JIXIAO_DATABASE_URL"])
    app = create_app()
    platform = app.extensions["jixiao"]
    platform.keys.ensure("bench")
    setup.prepare(platform)
    token = create_demo(platform)
    with platform.db.transaction() as s:
        log_id = s.scalar(select(LedgerLog.id).where(LedgerLog.origin == "jixiao/demo"))
    bulk_append(platform.db, log_id, n)
    ledger.checkpoint(Context.system(platform, "system:bench"), "demo")
    keys = folder / "bench.pub"
    keys.write_text("".join(f"{k}\n" for k in ledger.public_keys(platform)))
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fetcher = mirror.Fetcher(f"http://127.0.0.1:{server.server_port}/logs/demo/", token)
        job = mirror.Mirror(fetcher, folder / "mirror", load_verifiers(keys))
        start = time.perf_counter()
        result = job.run()
        elapsed = time.perf_counter() - start
        fetcher.close()
    finally:
        server.shutdown()
        server.server_close()
        platform.db.dispose()
    return result.size / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="smaller run, under a minute")
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()
    n = 20_000 if args.quick else 100_000
    memory_n = 200_000 if args.quick else 1_000_000
    api_n = 300 if args.quick else 1000

    with (
        tempfile.TemporaryDirectory(prefix="jixiao-bench-") as tmp,
        scratch_database(args.database_url) as url,
    ):
        folder = Path(tmp)
        db = fresh_database(url, folder)
        # Interleaved rounds, best of each: the machine is shared and noisy.
        plain = plain_orjson = chained = float("inf")
        for round_ in range(ROUNDS):
            plain = min(plain, plain_insert(db, n, f"plain_{round_}"))
            plain_orjson = min(plain_orjson, plain_insert(db, n, f"fast_{round_}", True))
            log_id = new_log(db, f"jixiao/bench-{round_}")
            chained = min(chained, bulk_append(db, log_id, n))
        print(f"append_per_s: {n / chained:.0f}")
        print(f"append_ratio: {plain / chained:.2f}")
        print(f"append_ratio_same_codec: {plain_orjson / chained:.2f}")
        durable = durable_appends_per_s(folder, url, api_n)
        print(f"durable_appends_per_s: {durable:.0f}")
        if not url:
            commits = durable_commits_per_s(folder, api_n * 4)
            print(f"durable_commits_per_s: {commits:.0f}")
            print(f"durable_share_of_commits: {durable / commits:.3f}")
        verify = min(verify_seconds(db, log_id) for _ in range(ROUNDS))
        bare = min(bare_loop_seconds(db, log_id) for _ in range(ROUNDS))
        bare_orjson = min(bare_loop_seconds(db, log_id, True) for _ in range(ROUNDS))
        sm3_log = new_log(db, "jixiao/bench-sm3", "sm3-sm2")
        bulk_append(db, sm3_log, n)
        verify_sm3 = min(verify_seconds(db, sm3_log) for _ in range(ROUNDS))
        print(f"verify_per_s: {n / verify:.0f}")
        print(f"verify_per_s_sm3: {n / verify_sm3:.0f}")
        print(f"verify_ratio: {bare / verify:.2f}")
        print(f"verify_ratio_same_codec: {bare_orjson / verify:.2f}")
        big = new_log(db, "jixiao/bench-memory")
        bulk_append(db, big, memory_n)
        print(f"verify_peak_mb: {verify_peak_mb(db, big):.0f}")
        print(f"verify_peak_entries: {memory_n}")
        label = "1m" if memory_n == 1_000_000 else f"{memory_n // 1000}k"
        tiles_ms, prefix_ms = proof_ms(db, big)
        print(f"proof_ms_{label}: {tiles_ms:.2f}")
        print(f"proof_ms_prefix_{label}: {prefix_ms:.0f}")
        db.dispose()
        with scratch_database(args.database_url, "_mirror") as mirror_url:
            print(f"mirror_per_s: {mirror_per_s(folder, mirror_url, n):.0f}")


if __name__ == "__main__":
    main()
