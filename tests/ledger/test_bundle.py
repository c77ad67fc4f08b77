"""Offline bundles and proofs: verified without the database, by the standalone verifier."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.cli import main
from tests.ledger import attacks
from tests.ledger.conftest import EACH_SUITE, attack

pytestmark = EACH_SUITE

# Runs a bundle's verify.py with jixiao's own packages made unimportable, to prove that
# an auditor needs nothing but Python and `cryptography` (and `gmalg` for an SM2 log,
# `asn1crypto` to check time-stamps): whatever is not needed is blocked too.
ISOLATED = (
    "import sys, runpy\n"
    "for name in ['core', 'plugins', *BLOCKED]: sys.modules[name] = None\n"
    "sys.argv = ['verify.py', *sys.argv[1:]]\n"
    "runpy.run_path('verify.py', run_name='__main__')"
)


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def standalone(folder: Path, *args: str, suite: str | None = None) -> subprocess.CompletedProcess:
    """``verify.py`` run alone; ``suite`` when the manifest cannot be trusted to say it."""
    blocked = [] if "--tsa-cert" in args else ["asn1crypto"]
    if (suite or json.loads((folder / "manifest.json").read_text()).get("suite")) != "sm3-sm2":
        blocked.append("gmalg")
    return subprocess.run(
        [sys.executable, "-c", f"BLOCKED = {blocked!r}\n" + ISOLATED, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def public_key(tmp_path, instance) -> Path:
    path = tmp_path / "bureau.pub"
    path.write_text(cli("ledger", "public-key").output)
    return path


def test_export_directory_verifies_offline(tmp_path, log, public_key, suite):
    out = tmp_path / "bundle"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "FORMAT.md",
        "checkpoints.jsonl",
        "entries.jsonl",
        "jixiao_tlog",
        "keys.txt",
        "manifest.json",
        "verify.py",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["suite"] == suite
    assert "jixiao_tlog/tlog.py" in manifest["sha256"]
    result = cli("ledger", "verify-bundle", str(out), "--public-key", str(public_key), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["ok"] and report["checkpoints_checked"] >= 2
    alone = standalone(out, ".", "--public-key", str(public_key))
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert alone.stdout.startswith("OK: jixiao/b1")


def test_zip_bundle_and_a_tampered_line(tmp_path, log, public_key):
    out = tmp_path / "b1.zip"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0
    ok = cli("ledger", "verify-bundle", str(out), "--public-key", str(public_key))
    assert ok.exit_code == 0, ok.output
    # Rewrite the zip with line 4 of entries.jsonl altered.
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(bad, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith("entries.jsonl"):
                lines = data.split(b"\n")
                lines[4] = attacks.altered(lines[4])
                data = b"\n".join(lines)
            dst.writestr(item, data)
    result = cli("ledger", "verify-bundle", str(bad), "--public-key", str(public_key), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["first_bad_seq"] == 4 and report["reason"] == "broken link"


def test_wrong_public_key_is_refused(tmp_path, log):
    from core.ledger.signing import NoteSigner

    out = tmp_path / "bundle"
    cli("ledger", "export", "--bureau", "b1", "-o", str(out))
    other = tmp_path / "other.pub"
    other.write_text(str(NoteSigner.generate("jixiao-test").verifier) + "\n")
    result = cli("ledger", "verify-bundle", str(out), "--public-key", str(other), "--json")
    assert result.exit_code == 1
    assert json.loads(result.output)["reason"] == "signature invalid"


def test_pinned_checkpoint_catches_a_log_rewritten_and_resigned_everywhere(
    platform, tmp_path, log, public_key
):
    """The attacker rewrites the tail, deletes every checkpoint and the platform anchor, and
    re-signs with the stolen key: only the checkpoint the auditor kept can tell."""
    first = tmp_path / "first"
    cli("ledger", "export", "--bureau", "b1", "-o", str(first))
    kept = json.loads((first / "checkpoints.jsonl").read_text().splitlines()[-1])["note"]
    pinned = tmp_path / "pinned.note"
    pinned.write_text(kept)
    size = json.loads((first / "manifest.json").read_text())["size"]

    log_id, _ = log
    attack(platform, attacks.rewrite_from, log_id, size - 4)
    with platform.db.engine.begin() as conn:
        attacks.drop_checkpoints(conn, log_id)
        platform_id = conn.exec_driver_sql(
            "SELECT id FROM ledger_logs WHERE origin = 'jixiao/_platform'"
        ).scalar()
        attacks.drop_checkpoints(conn, platform_id)
        conn.exec_driver_sql(f"DELETE FROM ledger_entries WHERE log_id = {platform_id}")
        conn.exec_driver_sql(
            f"UPDATE ledger_logs SET size = 0, head = NULL, frontier = '' WHERE id = {platform_id}"
        )

    second = tmp_path / "second"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(second)).exit_code == 0
    plain = cli("ledger", "verify-bundle", str(second), "--public-key", str(public_key))
    assert plain.exit_code == 0  # self-consistent on its own: that is the attack
    result = cli(
        "ledger",
        "verify-bundle",
        str(second),
        "--public-key",
        str(public_key),
        "--checkpoint",
        str(pinned),
        "--json",
    )
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert report["reason"] == f"root mismatch at checkpoint {size}"


def test_inclusion_proof_verifies_offline(tmp_path, log, public_key):
    out = tmp_path / "proof.json"
    assert cli("ledger", "proof", "--bureau", "b1", "--seq", "3", "-o", str(out)).exit_code == 0
    bundle = tmp_path / "bundle"
    cli("ledger", "export", "--bureau", "b1", "-o", str(bundle))
    ok = standalone(bundle, "--proof", str(out), "--public-key", str(public_key))
    assert ok.returncode == 0 and "proof OK" in ok.stdout, ok.stdout + ok.stderr
    doc = json.loads(out.read_text())
    doc["body"] = doc["body"].replace('"seq":3', '"seq":4')
    out.write_text(json.dumps(doc))
    bad = standalone(bundle, "--proof", str(out), "--public-key", str(public_key))
    assert bad.returncode == 1 and "INVALID" in bad.stdout


def test_export_refuses_to_overwrite(tmp_path, log):
    out = tmp_path / "bundle"
    out.mkdir()
    result = CliRunner().invoke(main, ["ledger", "export", "--bureau", "b1", "-o", str(out)])
    assert result.exit_code == 1 and "exists" in result.output


def test_a_line_deleted_from_a_bundle_is_a_gap(tmp_path, log, public_key):
    out = tmp_path / "bundle"
    cli("ledger", "export", "--bureau", "b1", "-o", str(out))
    lines = (out / "entries.jsonl").read_bytes().split(b"\n")
    (out / "entries.jsonl").write_bytes(b"\n".join(lines[:5] + lines[6:]))
    result = cli("ledger", "verify-bundle", str(out), "--public-key", str(public_key), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert (report["first_bad_seq"], report["reason"]) == (5, "gap")


def _exported(tmp_path: Path) -> Path:
    out = tmp_path / "bundle"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0
    return out


def _forge_tail(folder: Path, extra: int) -> None:
    """Append ``extra`` well-formed entries, each linked to the one before and hashed
    with the log's suite, as anyone could without the signing key."""
    from core.ledger.suites import get_suite
    from core.ledger.tlog import canonical_bytes

    hasher = get_suite(json.loads((folder / "manifest.json").read_text())["suite"]).hasher
    path = folder / "entries.jsonl"
    lines = path.read_bytes().rstrip(b"\n").split(b"\n")
    for _ in range(extra):
        last = json.loads(lines[-1])
        entry = {**last, "seq": last["seq"] + 1, "prev": hasher.leaf(lines[-1]).hex(),
                 "kind": "value.recorded", "data": {"value": "100"}}  # fmt: skip
        lines.append(canonical_bytes(entry))
    path.write_bytes(b"\n".join(lines) + b"\n")


def _refused(folder: Path, public_key: Path) -> dict:
    result = cli("ledger", "verify-bundle", str(folder), "--public-key", str(public_key), "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["ok"], report
    alone = standalone(folder, ".", "--public-key", str(public_key))
    assert alone.returncode != 0 and not alone.stdout.startswith("OK"), alone.stdout
    return report


def test_a_bundle_no_trusted_signature_covers_is_refused(tmp_path, log, public_key):
    """A forged bundle (the probe: values rewritten, chain re-hashed, checkpoints
    emptied) had verified OK with "0 signed checkpoint(s) matched": an intact chain of
    hashes proves nothing anyone could not have written."""
    out = _exported(tmp_path)
    (out / "checkpoints.jsonl").write_text("")
    report = _refused(out, public_key)
    assert (report["reason"], report["first_bad_seq"]) == ("not signed", 0)


def test_entries_past_the_newest_signed_checkpoint_are_refused(tmp_path, log, public_key):
    out = _exported(tmp_path)
    size = json.loads(cli("ledger", "verify-bundle", str(out), "--public-key",
                          str(public_key), "--json").output)["size"]  # fmt: skip
    _forge_tail(out, 2)
    report = _refused(out, public_key)
    assert (report["reason"], report["first_bad_seq"], report["last_bad_seq"]) == (
        "not signed",
        size,
        size + 1,
    )
    assert (
        f"entries seq {size}–{size + 1} are past the newest signed checkpoint" in (report["detail"])
    )


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "change", "code"),
    [
        ("checkpoints.jsonl", lambda t: "[1,2]\n" + t, 2),
        ("checkpoints.jsonl", lambda t: '{"size": 1, "note": "x", "timestamp": 5}\n' + t, 2),
        ("checkpoints.jsonl", lambda t: "[" * 100_000 + "\n" + t, 2),
        ("entries.jsonl", lambda t: t + "[" * 100_000 + "\n", 1),
        ("manifest.json", lambda t: t.replace('"size": ', '"size": 9'), 1),
        ("manifest.json", lambda t: "[]", 2),
        ("checkpoints.jsonl", lambda t: t.replace('{"size": ', '{"size": 1', 1), 1),
    ],
    ids=[
        "line-not-object",
        "timestamp-not-text",
        "nested-checkpoints",
        "nested-entry",
        "manifest-size",
        "manifest-not-object",
        "line-size-not-the-notes",
    ],
)
def test_malformed_bundles_are_verdicts_not_tracebacks(
    tmp_path, log, public_key, suite, name, change, code
):
    """Each malformed part is NOT A BUNDLE (exit 2) or a failed verification (exit 1),
    from the CLI and from the bundle's own verify.py, never a traceback or OK."""
    out = _exported(tmp_path)
    _edit(out, name, change)
    result = CliRunner().invoke(
        main, ["ledger", "verify-bundle", str(out), "--public-key", str(public_key)]
    )
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output and not result.output.startswith("OK")
    alone = standalone(out, ".", "--public-key", str(public_key), suite=suite)
    assert alone.returncode == code and "Traceback" not in alone.stderr, alone.stderr


@pytest.mark.parametrize(
    "document",
    [{}, {"checkpoint": "x", "seq": 0, "body": "{}", "inclusion_proof": None}, [1], "proof"],
    ids=["empty", "proof-null", "list", "text"],
)
def test_a_malformed_proof_is_invalid_not_a_traceback(tmp_path, log, public_key, document):
    out = _exported(tmp_path)
    proof = tmp_path / "proof.json"
    proof.write_text(json.dumps(document))
    alone = standalone(out, "--proof", str(proof), "--public-key", str(public_key))
    assert alone.returncode == 1 and alone.stdout.startswith("proof INVALID"), alone.stderr


def _rewritten(source: Path, target: Path, change) -> Path:
    """``source`` zip with each member's bytes passed through ``change(name, data)``
    (None drops the member); ``change`` may return extra members as {name: bytes}."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w") as dst:
        prefix = src.namelist()[0].split("/")[0] + "/"
        for item in src.infolist():
            data = change(item.filename[len(prefix) :], src.read(item))
            if data is not None:
                dst.writestr(item, data)
        for name, data in (change(None, None) or {}).items():
            dst.writestr(prefix + name, data)
    return target


def _verdict(bundle: Path, public_key: Path) -> dict:
    result = cli("ledger", "verify-bundle", str(bundle), "--public-key", str(public_key), "--json")
    report = json.loads(result.output)
    assert (result.exit_code == 0) == report["ok"]
    return report


def test_every_file_of_a_bundle_is_held_to_its_manifest_hash(tmp_path, log, public_key):
    """The verifier's own code, the keys, the format description: a byte changed, a file
    added or one removed is reported (they were not checked: a flipped byte in the
    bundled verifier verified OK)."""
    out = tmp_path / "b1.zip"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0
    assert _verdict(out, public_key)["ok"]

    def flip(name, data):
        if name == "jixiao_tlog/rfc9162.py":
            return data.replace(b"def ", b"def  ", 1)
        return data

    cases = {
        "changed": (flip, "jixiao_tlog/rfc9162.py: its SHA-256"),
        "added": (lambda n, d: {"extra.txt": b"x"} if n is None else d, "extra.txt: a file"),
        "removed": (lambda n, d: None if n == "FORMAT.md" else d, "FORMAT.md: listed"),
    }
    for case, (change, said) in cases.items():
        report = _verdict(_rewritten(out, tmp_path / f"{case}.zip", change), public_key)
        assert not report["ok"] and report["reason"] == "malformed", case
        assert said in report["detail"], (case, report)


def test_a_negative_checkpoint_size_and_an_endless_line_are_refused(tmp_path, log, public_key):
    out = tmp_path / "b1.zip"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0

    def negative(name, data):
        if name == "checkpoints.jsonl":
            first, _, rest = data.partition(b"\n")
            line = json.loads(first)
            return json.dumps({**line, "size": -1}).encode() + b"\n" + rest
        return data

    bad = _rewritten(out, tmp_path / "negative.zip", negative)
    result = cli("ledger", "verify-bundle", str(bad), "--public-key", str(public_key))
    assert result.exit_code != 0 and "OK" not in result.output  # -1 had passed as "pinned"

    def endless(name, data):
        if name == "entries.jsonl":
            return data + b"[" + b" " * (2 << 20)  # a 2 MiB line: past any entry
        return data

    bad = _rewritten(out, tmp_path / "endless.zip", endless)
    result = cli("ledger", "verify-bundle", str(bad), "--public-key", str(public_key))
    assert result.exit_code != 0 and "longer than" in result.output, result.output


def test_the_verifiers_errors_read_as_sentences(tmp_path, log, public_key):
    """A missing bundle names the file and the reason (it printed a Python repr); a file
    that is not a key says so once (it said "malformed key: malformed key: …")."""
    out = _exported(tmp_path)
    gone = standalone(out, str(tmp_path / "nowhere.zip"), "--public-key", str(public_key))
    assert gone.returncode == 2 and "nowhere.zip" in gone.stdout, gone.stdout + gone.stderr
    assert "Error(" not in gone.stdout and "No such file" in gone.stdout
    not_a_key = tmp_path / "key.txt"
    not_a_key.write_text("hello\n")
    bad = standalone(out, ".", "--public-key", str(not_a_key))
    assert bad.returncode == 2 and bad.stderr.count("malformed key") <= 1, bad.stderr


def test_checkpoint_lines_out_of_order_or_twice_and_a_second_bundle_are_malformed(
    tmp_path, log, public_key
):
    """Each checkpoint once, in increasing size, and nothing in the zip beyond the one
    bundle folder (a reordered list, a duplicated line and a second bundle beside the
    first all verified OK: only the first folder was read)."""
    out = tmp_path / "b1.zip"
    assert cli("ledger", "export", "--bureau", "b1", "-o", str(out)).exit_code == 0

    def lines(name, data, order):
        if name != "checkpoints.jsonl":
            return data
        kept = data.decode().splitlines()
        return ("\n".join(kept[i] for i in order(len(kept))) + "\n").encode()

    cases = {
        "reordered": lambda n: reversed(range(n)),
        "twice": lambda n: [*range(n), n - 1],
    }
    for case, order in cases.items():
        bad = _rewritten(out, tmp_path / f"{case}.zip", lambda n, d, o=order: lines(n, d, o))
        report = _verdict(bad, public_key)
        assert report["reason"] == "malformed" and "increasing size" in report["detail"], case

    two = tmp_path / "two.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(two, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item))
        for item in src.infolist():
            dst.writestr("other/" + item.filename.partition("/")[2], src.read(item))
    report = _verdict(two, public_key)
    assert not report["ok"] and "outside the bundle's folder" in report["detail"], report


def test_the_auditor_names_the_log_and_a_proof_states_only_what_is_signed(
    tmp_path, log, public_key
):
    out = _exported(tmp_path)
    right = standalone(out, ".", "--public-key", str(public_key), "--origin", "jixiao/b1")
    assert right.returncode == 0, right.stdout
    wrong = cli("ledger", "verify-bundle", str(out), "--public-key", str(public_key),
                "--origin", "jixiao/b2", "--json")  # fmt: skip
    report = json.loads(wrong.output)
    assert wrong.exit_code == 1 and report["reason"] == "wrong log", report

    proof = tmp_path / "proof.json"
    assert cli("ledger", "proof", "--bureau", "b1", "--seq", "3", "-o", str(proof)).exit_code == 0
    good = json.loads(proof.read_text())
    ok = standalone(out, "--proof", str(proof), "--public-key", str(public_key),
                    "--origin", "jixiao/b1")  # fmt: skip
    assert ok.returncode == 0, ok.stdout
    other = standalone(out, "--proof", str(proof), "--public-key", str(public_key),
                       "--origin", "jixiao/b2")  # fmt: skip
    assert other.returncode == 1 and "not jixiao/b2" in other.stdout, other.stdout
    for name, lie in (("origin", "jixiao/b2"), ("tree_size", good["tree_size"] + 1),
                      ("leaf_hash", "00" * 32), ("tree_size", str(good["tree_size"]))):  # fmt: skip
        proof.write_text(json.dumps({**good, name: lie}))
        said = standalone(out, "--proof", str(proof), "--public-key", str(public_key))
        assert said.returncode == 1 and f"the proof says {name}" in said.stdout, said.stdout


def test_a_negative_witness_count_is_refused(tmp_path, log, public_key):
    out = _exported(tmp_path)
    said = standalone(out, ".", "--public-key", str(public_key), "--min-witnesses", "-5")
    assert said.returncode == 2 and "give 0 or more" in said.stderr, said.stderr


def test_an_sm2_key_beside_does_not_need_gmalg_for_an_ed25519_log(tmp_path, log, public_key, suite):
    """The auditor saves every key ``jixiao ledger public-key`` prints (Ed25519 and SM2):
    without gmalg, verify.py stopped with a traceback loading the SM2 one."""
    if suite != "sha256-ed25519":
        pytest.skip("an Ed25519 log")
    from core.ledger.notekeys import SM2Signer

    both = tmp_path / "both.pub"
    both.write_text(public_key.read_text() + f"{SM2Signer.generate('jixiao').verifier}\n")
    out = _exported(tmp_path)
    said = standalone(out, ".", "--public-key", str(both))  # gmalg blocked
    assert said.returncode == 0 and said.stdout.startswith("OK"), said.stdout + said.stderr
    assert "Traceback" not in said.stderr and "gmalg" in said.stderr
