"""The platform and two independent witnesses, each a separate process on 127.0.0.1
(`jixiao witness serve`): a consistent history is cosigned; a rewritten or forked log is
refused; a bundle of the forked log fails verification for lack of cosignatures; a
witness that restarts keeps its state; publishing can require N cosignatures."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select, text

from core.cli import main
from core.domain.models import Bureau
from core.kernel.errors import Conflict
from core.ledger.cosignature import CosignatureSigner, CosignatureVerifier
from core.ledger.models import POLICY_KIND, LedgerEntry, LedgerLog
from core.ledger.notekeys import open_note
from core.ledger.store import PLATFORM_ORIGIN, Record
from core.services import ledger
from tests.ledger import attacks
from tests.ledger.conftest import EACH_SUITE, attack
from tests.ledger.processes import Service


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


class Witnesses:
    """Two witnesses, run as `jixiao witness serve` processes, following b1's log."""

    def __init__(self, tmp_path, platform) -> None:
        self.keys = {}
        self.services = {}
        keys = [str(s.verifier) for s in platform.signers()]
        for name in ("w1", "w2"):
            folder = tmp_path / name
            folder.mkdir()
            out = cli("witness", "keygen", f"audit.example/{name}", "--key", str(folder / "key"))
            assert out.exit_code == 0, out.output
            self.keys[name] = out.output.strip()
            config = {
                "logs": [{"origin": "jixiao/b1", "suite": self.suite(platform), "keys": keys}]
            }
            (folder / "config.json").write_text(json.dumps(config))
            self.services[name] = Service(
                "-m", "core.cli", "witness", "serve",
                "--config", str(folder / "config.json"), "--key", str(folder / "key"),
                "--state", str(folder / "state.json"), "--host", "127.0.0.1", "--port", "0",
            )  # fmt: skip
        self.folder = tmp_path

    @staticmethod
    def suite(platform) -> str:
        with platform.db.transaction() as s:
            log_id = s.scalar(select(Bureau.log_id).where(Bureau.code == "b1"))
            return s.get(LedgerLog, log_id).suite

    def start(self) -> None:
        for service in self.services.values():
            service.start()

    def stop(self) -> None:
        for service in self.services.values():
            service.stop()

    def setting(self) -> str:
        """JIXIAO_WITNESSES: '<URL> <verifier key>' per witness."""
        return ";".join(f"{s.url} {self.keys[n]}" for n, s in self.services.items())

    def state(self, name: str) -> dict:
        return json.loads((self.folder / name / "state.json").read_text())["logs"]["jixiao/b1"]

    def key_args(self) -> list[str]:
        return [arg for key in self.keys.values() for arg in ("--witness-key", key)]


@pytest.fixture
def witnesses(tmp_path, platform, world, monkeypatch):
    found = Witnesses(tmp_path, platform)
    found.start()
    monkeypatch.setenv("JIXIAO_WITNESSES", found.setting())
    yield found
    found.stop()


def grow(system, n: int) -> dict:
    with system.writing("b1", "bureau.manage") as work:
        work.log.record_many([Record(POLICY_KIND, {"min_witnesses": None, "public": False})] * n)
    return ledger.checkpoint(system, "b1")


def b1_log_id(platform) -> int:
    with platform.db.transaction() as s:
        return s.scalar(select(Bureau.log_id).where(Bureau.code == "b1"))


def refusals(platform) -> list[dict]:
    with platform.db.transaction() as s:
        bodies = s.scalars(
            select(LedgerEntry.body)
            .join(LedgerLog, LedgerLog.id == LedgerEntry.log_id)
            .where(
                LedgerLog.origin == PLATFORM_ORIGIN,
                LedgerEntry.kind == "ledger.verification_failed",
            )
        ).all()
    return [json.loads(b)["data"] for b in bodies]


@EACH_SUITE
def test_a_consistent_history_is_cosigned_and_a_restarted_witness_keeps_its_state(
    platform, system, witnesses, suite
):
    first = grow(system, 5)
    assert first["witnesses"] == {"audit.example/w1": "cosigned", "audit.example/w2": "cosigned"}
    verifiers = [CosignatureVerifier.parse(k) for k in witnesses.keys.values()]
    _, names = open_note(first["note"], verifiers)  # the cosignatures on the stored note
    assert names == ["audit.example/w1", "audit.example/w2"]
    assert witnesses.state("w1")["size"] == first["size"]
    second = grow(system, 300)  # from the size each witness cosigned, with a proof
    assert set(second["witnesses"].values()) == {"cosigned"}
    assert ledger.witnessed(system, "b1", second["size"]) == (
        ["audit.example/w1", "audit.example/w2"],
        [],
    )
    # the witness restarts: its state on disk is where it resumes
    witnesses.services["w1"].stop()
    witnesses.services["w1"].start()
    assert witnesses.state("w1")["size"] == second["size"]
    third = grow(system, 2)
    assert set(third["witnesses"].values()) == {"cosigned"}
    # the platform forgets what w2 cosigned (a restored backup): w2 answers 409 with the
    # size it has, and the platform retries from there
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        conn.execute(text("DELETE FROM ledger_cosignatures WHERE witness = 'audit.example/w2'"))
    fourth = grow(system, 1)
    assert fourth["witnesses"]["audit.example/w2"] == "cosigned"
    assert witnesses.state("w2")["size"] == fourth["size"]
    assert ledger.verify(system, "b1")["ok"]  # stored cosignatures verify with the keys
    assert refusals(platform) == []


def rewrite(platform, at: int) -> None:
    """The operator (database access and the signing key) rewrites b1 from ``at`` and
    removes whatever would make its own signer refuse."""
    log_id = b1_log_id(platform)
    attack(platform, attacks.rewrite_from, log_id, at)
    with platform.db.engine.begin() as conn:
        attacks.rebuild_tiles(conn, log_id)
        attacks.erase_checkpoints_and_anchors(conn, log_id)


@pytest.mark.parametrize("grows", [True, False], ids=["rewritten-and-grown", "forked-same-size"])
def test_witnesses_refuse_a_rewritten_or_forked_log_whose_bundle_then_fails(
    platform, system, witnesses, tmp_path, instance, grows
):
    honest = grow(system, 40)
    key = tmp_path / "b1.pub"
    key.write_text(cli("ledger", "public-key").output)
    good = tmp_path / "good"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(good)).exit_code == 0
    checked = cli(
        "ledger", "verify-bundle", str(good), "--public-key", str(key),
        *witnesses.key_args(), "--min-witnesses", "2",
    )  # fmt: skip
    assert checked.exit_code == 0 and "cosigned by audit.example/w1, audit.example/w2" in (
        checked.output
    )
    before = {name: witnesses.state(name) for name in ("w1", "w2")}

    rewrite(platform, 7)
    forged = grow(system, 3) if grows else ledger.checkpoint(system, "b1")
    assert forged["size"] == honest["size"] + (3 if grows else 0)
    states = forged["witnesses"].values()
    assert all(s.startswith("refused: 422" if grows else "refused: 409") for s in states), states
    assert {name: witnesses.state(name) for name in ("w1", "w2")} == before
    assert [r["reason"] for r in refusals(platform)] == ["refused by witness"] * 2

    bad = tmp_path / "forked"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(bad)).exit_code == 0
    plain = cli("ledger", "verify-bundle", str(bad), "--public-key", str(key))
    assert plain.exit_code == 0  # self-consistent, and signed with the real key: the attack
    result = cli(
        "ledger", "verify-bundle", str(bad), "--public-key", str(key),
        *witnesses.key_args(), "--min-witnesses", "1", "--json",
    )  # fmt: skip
    report = json.loads(result.output)
    assert result.exit_code == 1 and report["reason"] == "not witnessed"
    assert (report["first_bad_seq"], report["last_bad_seq"]) == (0, forged["size"] - 1)
    assert "missing: audit.example/w1, audit.example/w2" in report["detail"]
    # the bundle's own verify.py, with nothing but Python and its packages
    from tests.ledger.test_bundle import standalone

    alone = standalone(bad, ".", "--public-key", str(key), *witnesses.key_args(),
                       "--min-witnesses", "1")  # fmt: skip
    assert alone.returncode == 1 and alone.stdout.startswith("FAILED: jixiao/b1"), alone.stdout


def test_witnesses_expose_a_log_rolled_back_below_what_they_cosigned(platform, system, witnesses):
    cosigned = grow(system, 30)["size"]
    log_id = b1_log_id(platform)
    attack(platform, attacks.truncate, log_id, cosigned - 10)  # a "restored backup"
    with platform.db.engine.begin() as conn:
        attacks.rebuild_tiles(conn, log_id)
        attacks.erase_checkpoints_and_anchors(conn, log_id)
    done = ledger.checkpoint(system, "b1")
    assert done["size"] == cosigned - 10
    for state in done["witnesses"].values():
        assert state.startswith(f"refused: the witness has cosigned {cosigned} entries"), state
    assert [r["reason"] for r in refusals(platform)] == ["refused by witness"] * 2


def test_publishing_can_require_witnesses_and_names_those_missing(
    platform, system, witnesses, monkeypatch
):
    grow(system, 4)
    size = ledger.head(system, "b1")["size"]
    assert ledger.required_witnesses(system, "b1") == 0  # the default: none required
    monkeypatch.setenv("JIXIAO_MIN_WITNESSES", "2")
    assert ledger.require_witnessed(system, "b1", size) == [
        "audit.example/w1",
        "audit.example/w2",
    ]
    witnesses.services["w2"].stop()
    later = grow(system, 2)
    assert later["witnesses"]["audit.example/w1"] == "cosigned"
    assert later["witnesses"]["audit.example/w2"].startswith("unreachable")
    with pytest.raises(Conflict, match=r"not yet signed by: audit\.example/w2"):
        ledger.require_witnessed(system, "b1", later["size"])
    assert len(ledger.require_witnessed(system, "b1", size)) == 2  # earlier entries still are
    # the bureau sets its own requirement (recorded in its log)
    policy = ledger.set_policy(system, "b1", min_witnesses=1)
    assert (policy["min_witnesses"], policy["min_witnesses_override"]) == (1, 1)
    assert ledger.require_witnessed(system, "b1", later["size"]) == ["audit.example/w1"]
    result = cli("ledger", "witnessed", "--bureau", "b1", "--size", str(later["size"]))
    assert result.exit_code == 0 and "cosigned by: audit.example/w1" in result.output
    assert ledger.set_policy(system, "b1", min_witnesses="default")["min_witnesses"] == 2
    assert cli("ledger", "witnessed", "--bureau", "b1").exit_code == 1
    witnesses.services["w2"].start()  # back: the next checkpoint catches up from its size
    assert set(grow(system, 1)["witnesses"].values()) == {"cosigned"}
    assert cli("ledger", "witnessed", "--bureau", "b1").exit_code == 0


def test_witness_keygen_never_overwrites(tmp_path):
    key = tmp_path / "w.key"
    assert cli("witness", "keygen", "audit.example/w9", "--key", str(key)).exit_code == 0
    assert oct(key.stat().st_mode & 0o777) == "0o600"
    assert CosignatureSigner.parse(key.read_text().strip()).name == "audit.example/w9"
    again = CliRunner().invoke(main, ["witness", "keygen", "x", "--key", str(key)])
    assert again.exit_code == 1 and "never overwritten" in again.output
