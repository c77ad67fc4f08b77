"""A monitor: keep a verified local copy of a log served as C2SP tlog-tiles.

Each run fetches the log's newest checkpoint, checks its signature (the log's key, given
by the monitor's operator, never taken from the server), and fetches only what is new:
the level-0 tiles and entry bundles past the size it mirrored last, and the higher-level
tiles that became complete. It then checks, before it keeps anything:

* every entry of a bundle hashes to its leaf hash in the level-0 tile;
* every entry passes the chain check (canonical body, position, link to the previous
  entry, the log's suite named in its first entry);
* the tree it kept extended by the new leaves gives the new signed root: since the tree
  it kept gave the old signed root, the new checkpoint provably extends the old one;
* the tiles the server serves above level 0 are the ones those leaves make;
* a tile it kept partially is a prefix of the one served now.

Anything else is an **alert** (:class:`MirrorAlert`): the log showed two histories. The
folder is itself a static tlog-tiles copy (``checkpoint``, ``tile/…``), plus
``state.json`` (where to resume) and ``alerts/`` (the evidence of each alert: the message,
the checkpoint kept and the one refused).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.ledger.cosignature import CosignatureVerifier
from core.ledger.notekeys import NoteError, NoteVerifier, SM2Verifier, signed_by
from core.ledger.suites import DEFAULT, SUITES, Suite
from core.ledger.tiles import (
    TILE_WIDTH,
    EntryBundleRef,
    Tile,
    TileBuilder,
    TileError,
    check_bundle,
)
from core.ledger.tlog import ChainChecker, Checkpoint, cosigners, open_checkpoint

STATE = "state.json"


class MirrorError(Exception):
    """The log could not be fetched (network, HTTP status): no conclusion either way."""


class MirrorAlert(Exception):
    """The log served something inconsistent with what was mirrored or signed."""


@dataclass
class MirrorResult:
    origin: str
    old_size: int
    size: int
    root: str
    fetched: int
    cosigned_by: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (
            f"mirrored {self.origin}: {self.old_size} → {self.size} entries "
            f"({self.size - self.old_size} new), root {self.root}, {self.fetched} fetch(es)"
        )
        if self.cosigned_by:
            text += f"; checkpoint cosigned by {', '.join(self.cosigned_by)}"
        return text


class Fetcher:
    """GET over one keep-alive HTTP/1.1 connection (reopened when the server closes it)."""

    def __init__(self, base: str, token: str | None = None, timeout: float = 30.0) -> None:
        parsed = urllib.parse.urlsplit(base)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise MirrorError(f"not an http(s) URL: {base!r}")
        self.scheme, self.netloc = parsed.scheme, parsed.netloc
        self.prefix = parsed.path.rstrip("/") + "/"
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.timeout = timeout
        self.count = 0
        self._conn: http.client.HTTPConnection | None = None

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            cls = (
                http.client.HTTPSConnection
                if self.scheme == "https"
                else http.client.HTTPConnection
            )
            self._conn = cls(self.netloc, timeout=self.timeout)
        return self._conn

    def get(self, path: str) -> bytes:
        self.count += 1
        for attempt in (1, 2):
            conn = self._connection()
            try:
                conn.request("GET", self.prefix + path, headers=self.headers)
                response = conn.getresponse()
                body = response.read()
            except (http.client.HTTPException, OSError) as exc:
                self.close()
                if attempt == 2:
                    raise MirrorError(f"cannot fetch {path}: {exc}") from exc
                continue
            if response.getheader("Connection", "").lower() == "close":
                self.close()
            if response.status != 200:
                detail = body.decode("utf-8", "replace")[:300]
                raise MirrorError(f"{path}: HTTP {response.status} {detail}")
            return body
        raise MirrorError(f"cannot fetch {path}")  # pragma: no cover

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def suite_for(signers: Sequence[NoteVerifier]) -> Suite:
    """The suite the keys that signed a checkpoint imply: SM2 keys sign ``sm3-sm2``
    logs (a log never mixes suites, and its first entry names its suite, which the chain
    check holds it to)."""
    if signers and all(isinstance(v, SM2Verifier) for v in signers):
        return SUITES["sm3-sm2"]
    return DEFAULT


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@dataclass
class _State:
    origin: str
    suite: str
    size: int = 0
    root: str = ""
    frontier: str = ""
    last: str | None = None
    before_last: str | None = None
    pending: list[str] = field(default_factory=list)
    partials: list[list[int]] = field(default_factory=list)
    """[level, index, width] of the partial tiles kept (deleted when they grow)."""


class Mirror:
    """One mirrored log in ``folder`` (see the module doc)."""

    def __init__(
        self,
        fetcher: Fetcher,
        folder: str | Path,
        verifiers: Sequence[NoteVerifier],
        suite: Suite | None = None,
        witnesses: Sequence[CosignatureVerifier] = (),
        min_witnesses: int = 0,
    ) -> None:
        self.fetcher = fetcher
        self.folder = Path(folder)
        self.verifiers = list(verifiers)
        self.suite = suite
        self.witnesses = list(witnesses)
        self.min_witnesses = min_witnesses

    # ------------------------------------------------------------------ state

    def _load(self, origin: str) -> _State:
        path = self.folder / STATE
        if not path.exists():
            return _State(origin, self.suite.name)
        state = _State(**json.loads(path.read_text(encoding="utf-8")))
        if state.origin != origin:
            self._alert(
                f"the checkpoint is for {origin}, but this folder mirrors {state.origin}", None
            )
        if state.suite != self.suite.name:
            self._alert(
                f"this folder mirrors a {state.suite} log, now signed as {self.suite.name}", None
            )
        return state

    def _save(self, state: _State) -> None:
        data = json.dumps(state.__dict__, indent=1).encode()
        _write(self.folder / STATE, data)

    def _alert(self, message: str, note: str | None) -> None:
        """Keep the evidence, then raise."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S.%fZ")
        kept = self.folder / "checkpoint"
        evidence = [f"ALERT {stamp}: {message}\n"]
        if kept.exists():
            evidence.append("\n--- checkpoint kept (verified earlier) ---\n" + kept.read_text())
        if note is not None:
            evidence.append("\n--- checkpoint served now ---\n" + note)
        _write(self.folder / "alerts" / f"{stamp}.txt", "".join(evidence).encode("utf-8"))
        raise MirrorAlert(message)

    # ------------------------------------------------------------------ run

    def run(self) -> MirrorResult:
        note = self.fetcher.get("checkpoint").decode("utf-8", "replace")
        try:
            cp = open_checkpoint(note, self.verifiers)
            names = cosigners(note, self.witnesses) if self.witnesses else []
            if self.suite is None:
                signers = [v for v in self.verifiers if signed_by(note, [v])[1]]
                self.suite = suite_for(signers)
        except NoteError as exc:
            self._alert(f"the checkpoint served is not validly signed: {exc}", note)
        state = self._load(cp.origin)
        old = state.size
        if self.min_witnesses and len(names) < self.min_witnesses:
            raise MirrorError(
                f"checkpoint {cp.size} carries {len(names)} of the {self.min_witnesses} witness "
                f"cosignature(s) required ({', '.join(names) or 'none'}); not mirrored"
            )
        if cp.size < state.size:
            self._alert(
                f"the log shrank: checkpoint {cp.size} after {state.size} entries were mirrored",
                note,
            )
        if cp.size == state.size:
            if cp.root.hex() != state.root and state.size > 0:
                self._alert(f"two roots were signed for size {cp.size}: a fork", note)
            _write(self.folder / "checkpoint", note.encode("utf-8"))
            return MirrorResult(cp.origin, old, cp.size, cp.root.hex(), self.fetcher.count, names)
        self._extend(state, cp, note)
        state.root = cp.root.hex()
        self._save(state)
        _write(self.folder / "checkpoint", note.encode("utf-8"))
        return MirrorResult(cp.origin, old, cp.size, cp.root.hex(), self.fetcher.count, names)

    def _extend(self, state: _State, cp: Checkpoint, note: str) -> None:
        hasher = self.suite.hasher
        checker = ChainChecker.resume(
            cp.origin,
            self.suite,
            state.size,
            bytes.fromhex(state.frontier),
            bytes.fromhex(state.last) if state.last else None,
            bytes.fromhex(state.before_last) if state.before_last else None,
        )
        builder = TileBuilder.resume(hasher, state.size, [bytes.fromhex(p) for p in state.pending])
        kept_partials = {(lvl, idx): width for lvl, idx, width in state.partials}
        first_index = state.size // TILE_WIDTH
        last_index = (cp.size - 1) // TILE_WIDTH
        for index in range(first_index, last_index + 1):
            width = min(TILE_WIDTH, cp.size - index * TILE_WIDTH)
            tile = Tile(0, index, width)
            bundle_ref = EntryBundleRef(index, width)
            data = self.fetcher.get(tile.path())
            bundle = self.fetcher.get(bundle_ref.path())
            try:
                entries = check_bundle(hasher, bundle, data)
            except TileError as exc:
                self._alert(f"{bundle_ref.path()} does not match {tile.path()}: {exc}", note)
            skip = state.size - index * TILE_WIDTH if index == first_index else 0
            kept = kept_partials.get((0, index))
            if kept is not None:
                prefix = (self.folder / Tile(0, index, kept).path()).read_bytes()
                if data[: len(prefix)] != prefix:
                    self._alert(f"{tile.path()} rewrites hashes mirrored earlier", note)
            for position, body in enumerate(entries[skip:], start=index * TILE_WIDTH + skip):
                if not checker.feed(position, body):
                    self._alert(f"entry check failed: {checker.finding}", note)
                for full, tile_data, _ in builder.append_with_roots(hasher.leaf(body)):
                    self._keep(full, tile_data, note)
            _write(self.folder / bundle_ref.path(), bundle)
        if checker.root() != cp.root:
            self._alert(
                f"the entries served do not hash to checkpoint {cp.size}'s root: the log is "
                f"not the one mirrored up to {state.size} extended by them",
                note,
            )
        for partial, tile_data in builder.partial_tiles():
            self._keep(partial, tile_data, note)
        self._forget_partials(state, builder)
        size, frontier, last, before_last = checker.state()
        state.size, state.frontier = size, frontier.hex()
        state.last = last.hex() if last else None
        state.before_last = before_last.hex() if before_last else None
        pending = {t.level: d for t, d in builder.partial_tiles()}
        levels = max(pending, default=-1) + 1
        state.pending = [pending.get(level, b"").hex() for level in range(levels)]
        state.partials = [[t.level, t.index, t.width] for t, _ in builder.partial_tiles()]

    def _keep(self, tile: Tile, data: bytes, note: str) -> None:
        """Write a tile computed from verified leaves, after checking the server serves
        the same (level 0 was checked against the bundles already)."""
        if tile.level > 0 and self.fetcher.get(tile.path()) != data:
            self._alert(f"{tile.path()} is not the tile the log's entries make", note)
        _write(self.folder / tile.path(), data)

    def _forget_partials(self, state: _State, builder: TileBuilder) -> None:
        now = {(t.level, t.index, t.width) for t, _ in builder.partial_tiles()}
        for level, index, width in state.partials:
            if (level, index, width) not in now:
                (self.folder / Tile(level, index, width).path()).unlink(missing_ok=True)
                if level == 0:
                    (self.folder / EntryBundleRef(index, width).path()).unlink(missing_ok=True)


__all__ = ["Fetcher", "Mirror", "MirrorAlert", "MirrorError", "MirrorResult", "suite_for"]
