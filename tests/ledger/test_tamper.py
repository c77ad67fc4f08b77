"""Every way of changing a stored log is caught, at the right position, on both databases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from core.cli import main
from tests.ledger import attacks
from tests.ledger.conftest import attack


def cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def verify_b1() -> dict:
    code, out = cli("ledger", "verify", "--bureau", "b1", "--json")
    report = json.loads(out)
    bureau_log = next(r for r in report["logs"] if r["origin"] == "jixiao/b1")
    assert (code == 0) == report["ok"]
    return bureau_log


def test_intact_log_verifies(log):
    report = verify_b1()
    assert report["ok"] and report["checkpoints_checked"] == 2


def test_triggers_refuse_update_and_delete(platform, log):
    log_id, _ = log
    for sql in (
        "UPDATE ledger_entries SET kind = 'x' WHERE log_id = :l",
        "DELETE FROM ledger_entries WHERE log_id = :l",
        "UPDATE ledger_checkpoints SET note = 'x' WHERE log_id = :l",
        "DELETE FROM ledger_checkpoints WHERE log_id = :l",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            platform.db.engine.begin() as conn,
        ):
            conn.execute(text(sql), {"l": log_id})
    assert verify_b1()["ok"]


@pytest.mark.parametrize(
    ("fn", "args", "seq", "reason"),
    [
        (attacks.flip_byte, (5,), 5, "hash mismatch"),
        (attacks.flip_byte, (5, True), 5, "broken link"),
        (attacks.delete, (7,), 7, "gap"),
        (attacks.swap, (8,), 8, "reordered"),
        (attacks.insert, (9,), 9, "inserted"),
    ],
    ids=["flip-byte", "flip-byte-and-rehash", "delete", "swap", "insert"],
)
def test_tampering_is_caught_at_its_position(platform, log, fn, args, seq, reason):
    attack(platform, fn, log[0], *args)
    report = verify_b1()
    assert not report["ok"]
    assert (report["first_bad_seq"], report["reason"]) == (seq, reason), report


def test_truncated_tail_is_caught_by_the_last_checkpoint(platform, log):
    log_id, _ = log
    size = verify_b1()["size"]
    attack(platform, attacks.truncate, log_id, size - 3)
    report = verify_b1()
    assert (report["first_bad_seq"], report["reason"]) == (size - 3, "truncated"), report


def test_rewritten_and_resigned_tail_is_caught_by_an_older_checkpoint(platform, log):
    log_id, first = log
    attack(platform, attacks.rewrite_from, log_id, first - 2)
    with platform.db.engine.begin() as conn:  # hide the newest checkpoint, keep the older
        attacks.drop_checkpoints(conn, log_id, above=first)
    with platform.db.transaction() as s:  # the attacker even holds the signing key
        from core.ledger.checkpoints import _sign_head
        from core.ledger.store import lock_log

        _sign_head(s, lock_log(s, log_id), platform.signers())
    report = verify_b1()
    assert report["reason"] == f"root mismatch at checkpoint {first}", report
    assert report["first_bad_seq"] == first - 1
