"""Each bureau's log served as C2SP tlog-tiles, and `jixiao ledger mirror` as an
independent monitor over real HTTP: it keeps a verified copy, fetches only what is new,
and raises an alert on any inconsistency (a rewritten, forked or shrunk log)."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from werkzeug.serving import make_server

from core.cli import main
from core.ledger import rfc9162, tiles
from core.ledger.models import POLICY_KIND
from core.ledger.store import Record
from core.ledger.suites import SUITES
from core.services import ledger
from tests.helpers import entries
from tests.ledger import attacks
from tests.ledger.conftest import EACH_SUITE, attack


def cli(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def served(app):
    """The platform's app behind a real HTTP server on 127.0.0.1 (in this process)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def public_key(tmp_path, instance):
    path = tmp_path / "keys.pub"
    path.write_text(cli("ledger", "public-key").output)
    return path


def grow(system, n: int, bureau: str = "b1") -> dict:
    """``n`` more entries in the bureau's log (ledger policy entries that restate the
    default policy), and a checkpoint."""
    with system.writing(bureau, "bureau.manage") as work:
        work.log.record_many([Record(POLICY_KIND, {"min_witnesses": None, "public": False})] * n)
    return ledger.checkpoint(system, bureau)


def auth(world, role: str = "auditor", bureau: str = "b1") -> dict:
    return world.headers(role, bureau)


# --------------------------------------------------------------------------- serving


def test_tiles_need_a_token_unless_the_bureau_made_its_log_public(client, world, system):
    grow(system, 3)
    assert client.get("/logs/b1/checkpoint").status_code == 401
    assert client.get("/logs/nope/checkpoint").status_code == 401  # no probing of codes
    bad = {"Authorization": "Bearer jx_wrong"}
    assert client.get("/logs/b1/checkpoint", headers=bad).status_code == 401
    ok = client.get("/logs/b1/checkpoint", headers=auth(world))
    assert ok.status_code == 200 and ok.text.startswith("jixiao/b1\n")
    assert ok.headers["Cache-Control"] == "no-cache"
    assert client.get("/logs/b1/checkpoint", headers=auth(world, bureau="b2")).status_code == 404
    assert client.get("/logs/b1/checkpoint", headers=auth(world, "reporter")).status_code == 403
    # the bureau admin makes the log public (recorded in the log), then anyone may read it
    r = client.get("/logs/b1/tile/0/000.p/1")
    assert r.status_code == 401
    assert ledger.set_policy(system, "b1", public=True)["public"] is True
    r = client.get("/logs/b1/tile/0/000.p/1")
    assert r.status_code == 200 and r.headers["Cache-Control"].startswith("public")
    assert client.get("/logs/b2/checkpoint").status_code == 401  # only b1 is public
    assert ledger.policy(system, "b1")["seq"] is not None


@pytest.mark.parametrize("suite", list(SUITES), indirect=True)
def test_tiles_and_entry_bundles_are_the_logs(client, world, system, suite):
    done = grow(system, 300)  # crosses 256: a full level-0 tile and a partial one
    size = done["size"]
    hasher = SUITES[suite].hasher
    stored = entries(system.platform, "b1")[:size]
    headers = auth(world)
    full = client.get("/logs/b1/tile/0/000", headers=headers)
    assert full.status_code == 200
    assert full.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert full.data == b"".join(bytes(e.leaf_hash) for e in stored[:256])
    width = size - 256
    partial = client.get(f"/logs/b1/tile/0/001.p/{width}", headers=headers)
    assert partial.data == b"".join(bytes(e.leaf_hash) for e in stored[256:size])
    bundle = client.get(f"/logs/b1/tile/entries/001.p/{width}", headers=headers)
    assert tiles.decode_bundle(bundle.data) == [bytes(e.body) for e in stored[256:size]]
    tiles.check_bundle(hasher, bundle.data, partial.data)
    level1 = client.get("/logs/b1/tile/1/000.p/1", headers=headers)
    assert level1.data == rfc9162.root_of(hasher, [bytes(e.leaf_hash) for e in stored[:256]])
    # beyond the newest checkpoint, malformed, or non-canonical paths: not found
    for path in (
        f"tile/0/001.p/{width + 1}",
        "tile/0/002",
        "tile/0/001",
        "tile/0/1",
        "tile/0/x000/001",
        "tile/entries/001.p/0",
        "tile/9/000",
        "tile/x/000",
    ):
        assert client.get(f"/logs/b1/{path}", headers=headers).status_code == 404, path


# --------------------------------------------------------------------------- mirroring


def mirror(url: str, folder, key, world, *extra: str):
    token = world.tokens[("b1", "auditor")]
    return cli(
        "ledger", "mirror", f"{url}/logs/b1/", str(folder), "--public-key", str(key),
        "--token", token, *extra,
    )  # fmt: skip


@EACH_SUITE
def test_mirror_keeps_a_verified_copy_and_fetches_only_what_is_new(
    served, world, system, tmp_path, public_key, suite
):
    folder = tmp_path / "mirror"
    grow(system, 600)
    first = mirror(served, folder, public_key, world)
    assert first.exit_code == 0, first.output
    size = ledger.head(system, "b1")["size"]
    assert f"0 → {size} entries" in first.output
    assert (folder / "tile" / "0" / "000").read_bytes() == b"".join(
        bytes(e.leaf_hash) for e in entries(system.platform, "b1")[:256]
    )
    again = mirror(served, folder, public_key, world)
    assert again.exit_code == 0 and "(0 new), root" in again.output and "1 fetch" in again.output
    grow(system, 20)
    more = mirror(served, folder, public_key, world)
    new_size = ledger.head(system, "b1")["size"]
    assert more.exit_code == 0, more.output
    assert f"{size} → {new_size} entries" in more.output
    # one checkpoint, the level-0 tile and bundle being filled, and the partial level-1
    # tile: nothing already mirrored is fetched again
    assert "4 fetch(es)" in more.output
    partials = sorted(p.name for p in (folder / "tile" / "0").iterdir() if p.name.startswith("0"))
    assert len([p for p in (folder / "tile" / "0").glob("*.p/*")]) == 1, partials


@pytest.mark.parametrize(
    ("mirrored", "alert"),
    [
        (512, "broken link"),  # only full tiles mirrored: the next entry's link tells
        (300, "rewrites hashes mirrored earlier"),  # the partial tile kept is served anew
    ],
)
def test_mirror_alerts_on_a_rewritten_log(
    served, platform, world, system, tmp_path, public_key, mirrored, alert
):
    folder = tmp_path / "mirror"
    grow(system, mirrored - ledger.head(system, "b1")["size"])
    assert ledger.head(system, "b1")["size"] == mirrored
    assert mirror(served, folder, public_key, world).exit_code == 0
    log_id = platform_log_id(platform)
    attack(platform, attacks.rewrite_from, log_id, 5)
    with platform.db.engine.begin() as conn:
        attacks.rebuild_tiles(conn, log_id)
        attacks.erase_checkpoints_and_anchors(conn, log_id)
    grow(system, 3)  # the operator signs the rewritten log and carries on
    result = mirror(served, folder, public_key, world)
    assert result.exit_code == 1
    assert "ALERT" in result.output and alert in result.output
    evidence = list((folder / "alerts").iterdir())
    assert len(evidence) == 1 and "checkpoint kept" in evidence[0].read_text()


def test_mirror_alerts_on_a_fork_and_on_a_shrunk_log(
    served, platform, world, system, tmp_path, public_key
):
    folder = tmp_path / "mirror"
    grow(system, 40)
    assert mirror(served, folder, public_key, world).exit_code == 0
    log_id = platform_log_id(platform)
    attack(platform, attacks.rewrite_from, log_id, 5)  # same size, another history
    with platform.db.engine.begin() as conn:
        attacks.rebuild_tiles(conn, log_id)
        attacks.erase_checkpoints_and_anchors(conn, log_id)
    ledger.checkpoint(system, "b1")
    result = mirror(served, folder, public_key, world)
    assert result.exit_code == 1 and "two roots were signed" in result.output
    with platform.db.engine.begin() as conn:
        attacks.disarm(conn)
        attacks.truncate(conn, log_id, 30)
        attacks.rebuild_tiles(conn, log_id)
        attacks.erase_checkpoints_and_anchors(conn, log_id)
    ledger.checkpoint(system, "b1")
    result = mirror(served, folder, public_key, world)
    assert result.exit_code == 1 and "the log shrank" in result.output


def test_mirror_refuses_a_checkpoint_signed_by_another_key(
    served, world, system, tmp_path, instance
):
    from core.ledger.signing import NoteSigner

    grow(system, 5)
    other = tmp_path / "other.pub"
    other.write_text(str(NoteSigner.generate("jixiao-test").verifier) + "\n")
    result = mirror(served, tmp_path / "m", other, world)
    assert result.exit_code == 1 and "not validly signed" in result.output


def test_mirror_reports_what_it_cannot_fetch(world, system, tmp_path, public_key):
    result = cli(
        "ledger", "mirror", "http://127.0.0.1:9/logs/b1/", str(tmp_path / "m"),
        "--public-key", str(public_key), "--timeout", "2",
    )  # fmt: skip
    assert result.exit_code == 2 and "ERROR" in result.output


def platform_log_id(platform) -> int:
    from sqlalchemy import select

    from core.domain.models import Bureau

    with platform.db.transaction() as s:
        return s.scalar(select(Bureau.log_id).where(Bureau.code == "b1"))


def test_mirror_alerts_on_a_signed_root_the_entries_do_not_give(
    served, platform, world, system, tmp_path, public_key
):
    """The operator signs (with the real key) a checkpoint over a root of its choosing."""
    from core.ledger.checkpoints import head_checkpoint
    from core.ledger.models import LedgerCheckpoint, LedgerLog
    from core.ledger.notekeys import sign_note
    from core.ledger.tlog import Checkpoint

    folder = tmp_path / "mirror"
    grow(system, 10)
    assert mirror(served, folder, public_key, world).exit_code == 0
    size = grow(system, 10)["size"]
    log_id = platform_log_id(platform)
    with platform.db.engine.begin() as conn:  # its honest checkpoint is replaced
        attacks.disarm(conn)
        attacks.drop_checkpoints(conn, log_id, above=size - 1)
    with platform.db.transaction() as s:
        log = s.get(LedgerLog, log_id)
        assert head_checkpoint(log).root != bytes(32)
        note = sign_note(Checkpoint(log.origin, size, bytes(32)).text(), platform.signers())
        s.add(LedgerCheckpoint(log_id=log_id, size=size, root=bytes(32), note=note))
    result = mirror(served, folder, public_key, world)
    assert result.exit_code == 1 and "do not hash to checkpoint" in result.output


def head_size(client, headers) -> int:
    return client.get("/api/v1/bureaus/b1/ledger", headers=headers).json["size"]


def test_the_ledger_policy_through_the_api(client, world, system):
    grow(system, 2)
    admin = world.headers("bureau_admin")
    assert client.get("/api/v1/bureaus/b1/ledger/policy", headers=admin).json["public"] is False
    r = client.put(
        "/api/v1/bureaus/b1/ledger/policy", json={"public": True, "min_witnesses": 1}, headers=admin
    )
    assert r.status_code == 200, r.json
    assert (r.json["public"], r.json["min_witnesses"], r.json["min_witnesses_override"]) == (
        True,
        1,
        1,
    )
    bad = client.put("/api/v1/bureaus/b1/ledger/policy", json={"min_witnesses": 99}, headers=admin)
    assert bad.status_code == 422 and "min_witnesses" in bad.text
    # nothing asked, or nothing changed: no entry (each had appended a no-op policy)
    size = head_size(client, admin)
    for body in ({}, {"public": None, "min_witnesses": None}):
        empty = client.put("/api/v1/bureaus/b1/ledger/policy", json=body, headers=admin)
        assert empty.status_code == 422 and empty.json["errors"][0]["field"] == "body"
    same = client.put("/api/v1/bureaus/b1/ledger/policy", json={"public": True}, headers=admin)
    assert same.status_code == 200 and same.json["seq"] == r.json["seq"]
    text = client.put("/api/v1/bureaus/b1/ledger/policy", data='{"public": false}',
                      content_type="text/plain", headers=admin)  # fmt: skip
    assert text.status_code == 415
    assert head_size(client, admin) == size
    auditor = world.headers("auditor")
    no = client.put("/api/v1/bureaus/b1/ledger/policy", json={"public": False}, headers=auditor)
    assert no.status_code == 403
    seen = client.get("/api/v1/bureaus/b1/ledger/witnessed?size=3", headers=auditor)
    assert seen.status_code == 200
    assert seen.json == {"size": 3, "required": 1, "cosigners": [], "missing": []}
    head = client.get("/api/v1/bureaus/b1/ledger", headers=auditor).json
    assert head["suite"] == "sha256-ed25519" and head["checkpoint"].startswith("jixiao/b1\n")
