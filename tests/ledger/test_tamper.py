"""Every way of changing a stored log is caught, at the right position, on both databases."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from core.cli import main
from tests.ledger import attacks
from tests.ledger.conftest import EACH_SUITE, attack

pytestmark = EACH_SUITE


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


def test_a_rows_kind_column_must_be_its_bodys(platform, log):
    """The ``kind`` column is outside the hashed body but queries select by it: a row
    whose column was changed is reported at its position."""
    attack(platform, attacks.rename_kind, log[0], 6, "value.withdrawn")
    report = verify_b1()
    assert (report["first_bad_seq"], report["reason"]) == (6, "kind mismatch"), report


def test_a_rewritten_tail_with_its_anchors_renamed_is_caught(platform, log):
    """The probe's attack: rewrite the tail, delete the checkpoints that covered it, and
    rename the platform log's anchors of them (kind column only) so a query by kind
    misses them. The platform log now fails, so no anchor is trusted and ``verify``
    says FAILED, not OK."""
    log_id, first = log
    attack(platform, attacks.rewrite_from, log_id, first + 2)
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        attacks.drop_checkpoints(conn, log_id, above=first)
        attacks.hide_anchors(conn, log_id, above=first)
    code, out = cli("ledger", "verify", "--bureau", "b1", "--json")
    report = json.loads(out)
    assert code == 1 and not report["ok"]
    platform_log = next(r for r in report["logs"] if r["origin"] == "jixiao/_platform")
    assert platform_log["reason"] == "kind mismatch", platform_log


def test_deleted_checkpoints_are_reported_even_when_the_entries_are_intact(platform, log):
    """Every checkpoint of the log deleted, nothing else touched: the entries still match
    the platform log's anchors, but the deletion itself is reported (it had verified
    "0 checkpoints — OK")."""
    attack(platform, attacks.drop_checkpoints, log[0])
    report = verify_b1()
    assert not report["ok"] and report["reason"] == "checkpoint deleted", report
    assert f"{log[1]}" in report["detail"]


def test_a_bad_signature_still_reports_how_many_entries_are_stored(platform, log):
    """A checkpoint that does not verify is the finding, and the entries are still
    counted (the report had said "0 entries", as if the log were empty)."""
    size = verify_b1()["size"]
    attack(platform, attacks.spoil_signatures, log[0])
    report = verify_b1()
    assert not report["ok"] and report["reason"] == "signature invalid", report
    assert report["size"] == size > 0
    code, out = cli("ledger", "verify", "--bureau", "b1")
    assert code == 1 and f"{size} entries" in out and "signature invalid" in out


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
        from core.ledger.checkpoints import sign_head
        from core.ledger.store import lock_log

        sign_head(s, lock_log(s, log_id), platform.signers())
    report = verify_b1()
    assert report["reason"] == f"root mismatch at checkpoint {first}", report
    # the chain was re-hashed, so only the checkpoint tells: some entry before it changed,
    # and no earlier checkpoint narrows it down
    assert (report["first_bad_seq"], report["last_bad_seq"]) == (0, first - 1)
    assert f"an entry in seq 0–{first - 1} differs from what checkpoint {first}" in report["detail"]


def test_a_rewrite_between_two_checkpoints_is_bounded_by_them(platform, log):
    """Only the second checkpoint fails: the report names the range between the two."""
    log_id, first = log
    second = verify_b1()["size"]
    attack(platform, attacks.rewrite_from, log_id, first + 2)
    report = verify_b1()
    assert report["reason"] == f"root mismatch at checkpoint {second}"
    assert (report["first_bad_seq"], report["last_bad_seq"]) == (first, second - 1)
    assert f"checkpoint {first} (seq 0–{first - 1}) still matches" in report["detail"]


def _grow_and_rewrite(platform, system, log, drop_checkpoints: bool) -> None:
    from core.services import values
    from tests.helpers import value_row

    log_id, first = log
    values.record(system, "b1", [value_row(period="2026-Q3", value="70")])
    attack(platform, attacks.rewrite_from, log_id, first - 2)
    if drop_checkpoints:  # the forger also wipes every stored checkpoint of the log
        with platform.db.engine.begin() as conn:
            attacks.drop_checkpoints(conn, log_id)


@pytest.mark.parametrize("drop_checkpoints", [False, True], ids=["kept", "checkpoints-deleted"])
def test_the_signer_refuses_to_sign_a_rewritten_log(
    platform, log, system, client, world, tmp_path, drop_checkpoints
):
    """A careful rewrite (body changed, later links and hashes recomputed) gets no fresh
    signature: not from `ledger checkpoint`, not from `ledger export`, not from the API.
    With the stored checkpoints deleted, the platform log's anchor still catches it."""
    from sqlalchemy import select

    from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
    from core.ledger.store import PLATFORM_ORIGIN

    _grow_and_rewrite(platform, system, log, drop_checkpoints)

    def signed() -> int:
        with platform.db.transaction() as s:
            return len(s.scalars(select(LedgerCheckpoint.size).where(
                LedgerCheckpoint.log_id == log[0])).all())  # fmt: skip

    before = signed()
    code, out = cli("ledger", "checkpoint", "--bureau", "b1")
    assert code == 1 and "refused to sign" in out and "was changed after it was signed" in out
    code, out = cli("ledger", "export", "--bureau", "b1", "-o", str(tmp_path / "b.zip"))
    assert code == 1 and "refused to sign" in out and not (tmp_path / "b.zip").exists()
    r = client.post("/api/v1/bureaus/b1/ledger/checkpoints", headers=world.headers("bureau_admin"))
    assert r.status_code == 409 and "refused to sign" in r.json["detail"]
    assert signed() == before
    with platform.db.transaction() as s:
        platform_id = s.scalar(select(LedgerLog.id).where(LedgerLog.origin == PLATFORM_ORIGIN))
        kinds = s.scalars(select(LedgerEntry.kind).where(LedgerEntry.log_id == platform_id)).all()
    assert kinds.count("ledger.verification_failed") == 3  # each refusal is on the record
