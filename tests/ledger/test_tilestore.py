"""Tiles in the database: written as entries are appended (in the same transaction),
equal to the tiles built from the leaf hashes, read back for proofs in O(log n) reads,
and filled in by the migration for logs that existed before."""

from __future__ import annotations

import base64
import json
import random

import pytest
from alembic import command
from sqlalchemy import select, text

from core.kernel import migrate
from core.kernel.db import Database, make_engine
from core.ledger import merkle, proofs, rfc9162, tiles, tilestore
from core.ledger.models import LedgerEntry, LedgerLog, LedgerTile
from core.ledger.store import Record, append_many, create_log
from core.ledger.suites import SUITES

BATCHES = [1, 254, 1, 1, 300, 256, 2000, 255, 1, 64000, 3000]  # crosses 65,536: a level-1 tile


def record(i: int) -> Record:
    return Record("value.recorded", {"unit": f"u{i % 7}", "value": str(i)}, "user:t")


def fill(db: Database, suite: str, batches: list[int]) -> int:
    with db.transaction() as s:
        log_id = create_log(s, f"jixiao/tiles-{suite}", suite).id
    n = 0
    for size in batches:
        with db.transaction() as s:
            append_many(s, log_id, [record(i) for i in range(n, n + size)])
        n += size
    return log_id


def stored(db: Database, log_id: int) -> tuple[list[bytes], dict, LedgerLog]:
    with db.transaction() as s:
        leaves = [
            bytes(h)
            for h in s.scalars(
                select(LedgerEntry.leaf_hash)
                .where(LedgerEntry.log_id == log_id)
                .order_by(LedgerEntry.seq)
            )
        ]
        rows = {
            (t.level, t.idx): (bytes(t.hashes), bytes(t.root))
            for t in s.scalars(select(LedgerTile).where(LedgerTile.log_id == log_id))
        }
        log = s.get(LedgerLog, log_id)
        s.expunge(log)
    return leaves, rows, log


@pytest.fixture
def db(database_url):
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.mark.parametrize("suite", list(SUITES))
def test_tiles_written_at_append_are_the_tiles_of_the_leaves(db, suite):
    hasher = SUITES[suite].hasher
    log_id = fill(db, suite, BATCHES if suite == "sha256-ed25519" else BATCHES[:8])
    leaves, rows, log = stored(db, log_id)
    expected = {
        (t.level, t.index): data
        for t, data in tiles.build_tiles(hasher, leaves).items()
        if not t.is_partial
    }
    assert {key: data for key, (data, _) in rows.items()} == expected
    for data, root in rows.values():
        assert root == rfc9162.root_of(hasher, [data[i : i + 32] for i in range(0, 8192, 32)])
    if suite == "sha256-ed25519":
        assert (1, 0) in rows  # 65,536 leaves made a level-1 tile
    # the head agrees with the tiles, at every size a checkpoint could be made
    with db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        reader = tilestore.reader(s, log, hasher, log.size)
        assert reader.root() == rfc9162.root_of(hasher, leaves)


def test_a_rolled_back_append_leaves_no_tile(db):
    log_id = fill(db, "sha256-ed25519", [200])
    with pytest.raises(RuntimeError), db.transaction() as s:
        append_many(s, log_id, [record(i) for i in range(200, 600)])
        assert s.scalar(select(LedgerTile.idx).where(LedgerTile.log_id == log_id)) == 0
        raise RuntimeError("the business write failed")
    _, rows, _ = stored(db, log_id)
    assert rows == {}
    fill_more = [record(i) for i in range(200, 300)]
    with db.transaction() as s:
        append_many(s, log_id, fill_more)
    _, rows, _ = stored(db, log_id)
    assert list(rows) == [(0, 0)]


def test_proofs_from_storage_match_the_reference_and_read_few_tiles(db):
    log_id = fill(db, "sha256-ed25519", [70_123])
    leaves, _, log = stored(db, log_id)
    rng = random.Random(13)
    with db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        for size in [1, 255, 256, 257, 65_535, 65_536, 65_537, 70_123]:
            root = merkle.subtree_root(leaves[:size])
            for index in {0, size - 1, rng.randrange(size)}:
                proof = proofs.inclusion_proof(s, log, index, size)
                rfc9162.verify_inclusion(rfc9162.SHA256, index, size, leaves[index], proof, root)
                if size < 3000:
                    assert proof == merkle.inclusion_proof(index, leaves[:size])
            first = rng.randrange(1, size + 1)
            root1, root2, proof = proofs.consistency_proof(s, log, first, size)
            assert root2 == root and root1 == merkle.subtree_root(leaves[:first])
            rfc9162.verify_consistency(rfc9162.SHA256, first, size, proof, root1, root2)
        reader = tilestore.reader(s, log, rfc9162.SHA256, log.size)
        reader.inclusion_proof(12_345)
        reader.consistency_proof(33_333)
        assert reader.reads <= 8  # three levels, plus the right edge


def _downgrade(url: str, revision: str) -> None:
    cfg = migrate.alembic_config(url)
    if not url.startswith("sqlite"):
        command.downgrade(cfg, revision)
        return
    engine = make_engine(url)  # as migrate.upgrade: SQLite rebuilds tables with keys off
    try:
        with engine.connect() as conn:
            conn.connection.driver_connection.execute("PRAGMA foreign_keys=OFF")
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
            conn.commit()
    finally:
        engine.dispose()


def test_the_migration_fills_in_tiles_of_existing_logs(database_url):
    _downgrade(database_url, "0007")
    engine = make_engine(database_url)
    hasher = rfc9162.SHA256
    leaves = [hasher.leaf(f"body {i}".encode()) for i in range(66_000)]
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO ledger_logs (id, origin, size, frontier) VALUES (7, 'x', 0, '')")
        )
        mark = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        conn.exec_driver_sql(
            f"INSERT INTO ledger_entries (log_id, seq, kind, body, leaf_hash) "
            f"VALUES ({mark}, {mark}, 'k', {mark}, {mark})",
            [(7, i, f"body {i}".encode(), leaf) for i, leaf in enumerate(leaves)],
        )
    engine.dispose()
    migrate.upgrade(database_url)
    db = Database(database_url)
    try:
        _, rows, log = stored(db, 7)
        assert log.suite == "sha256-ed25519"
        expected = {
            (t.level, t.index): data
            for t, data in tiles.build_tiles(hasher, leaves).items()
            if not t.is_partial
        }
        assert {key: data for key, (data, _) in rows.items()} == expected
        assert (1, 0) in rows
    finally:
        db.dispose()


def test_a_logs_suite_cannot_change(db):
    log_id = fill(db, "sm3-sm2", [300])
    with pytest.raises(Exception, match="suite is fixed"), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE ledger_logs SET suite = 'sha256-ed25519' WHERE id = :l"), {"l": log_id}
        )
    with db.engine.begin() as conn:  # other columns of the head still move
        conn.execute(text("UPDATE ledger_logs SET size = size WHERE id = :l"), {"l": log_id})
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM ledger_tiles WHERE log_id = :l"), {"l": log_id})


KAT = [
    bytes.fromhex(x)
    for x in (
        "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]  # fmt: skip


def test_proofs_from_storage_reproduce_the_transparency_dev_vectors(db, shared_vectors):
    """The published happy-path proofs over the RFC 6962 reference tree, computed from the
    database (leaf hashes stored as a log's entries) instead of from a list."""
    leaves = [rfc9162.SHA256.leaf(x) for x in KAT]
    with db.transaction() as s:
        log = create_log(s, "jixiao/kat")
        s.execute(
            LedgerEntry.__table__.insert(),
            [
                {"log_id": log.id, "seq": i, "kind": "k", "body": x, "leaf_hash": leaf}
                for i, (x, leaf) in enumerate(zip(KAT, leaves, strict=True))
            ],
        )
        log.size = len(leaves)
        s.flush()
        checked = 0
        folder = shared_vectors / "merkle" / "testdata"
        for path in sorted(folder.rglob("happy-path.json")):
            v = json.loads(path.read_text())
            expected = [base64.b64decode(p) for p in v["proof"] or []]
            if "leafIdx" in v:
                proof = proofs.inclusion_proof(s, log, v["leafIdx"], v["treeSize"])
            elif v["size1"] < v["size2"]:
                root1, root2, proof = proofs.consistency_proof(s, log, v["size1"], v["size2"])
                assert (root1, root2) == tuple(base64.b64decode(v[k]) for k in ("root1", "root2"))
            else:
                continue
            assert proof == expected, path
            checked += 1
    assert checked >= 8
