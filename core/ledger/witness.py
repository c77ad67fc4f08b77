"""C2SP tlog-witness: the add-checkpoint request, a witness's decision, its durable state.

A witness keeps, per log origin, the latest checkpoint it cosigned. It cosigns a new one
only if the log signed it and a consistency proof links it to that state, so a log cannot
show two histories to two witnesses' clients. The decision follows the specification's
status codes:

* 400 malformed request, or an old size above the checkpoint's size;
* 404 unknown origin; 403 no valid signature by the log's trusted key;
* 409 the old size is not the size the witness last cosigned (body: that size, followed by
  a newline, ``Content-Type: text/x.tlog.size``), or the same size with another root;
* 422 the consistency proof does not verify;
* 200 the cosignature lines, after the new state is on disk.

Checking the old size and recording the new state happen under one lock (in-process and
``flock`` across processes), so two concurrent requests cannot roll the state back.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.ledger.cosignature import CosignatureSigner
from core.ledger.notekeys import NoteError, NoteVerifier, open_note, split_note
from core.ledger.rfc9162 import ProofError
from core.ledger.suites import DEFAULT, Suite
from core.ledger.tlog import Checkpoint

try:  # POSIX: serialise state updates across processes too
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None

log = logging.getLogger(__name__)

MAX_PROOF_LINES = 63
MAX_BODY = 64 * 1024
SIZE_CONTENT_TYPE = "text/x.tlog.size"


class RequestError(ValueError):
    """A malformed add-checkpoint request body."""


# --------------------------------------------------------------------------- request body


@dataclass(frozen=True)
class AddCheckpointRequest:
    """``old <size>``, consistency proof lines, a blank line, the signed checkpoint."""

    old_size: int
    proof: list[bytes]
    checkpoint: str

    def encode(self) -> bytes:
        if len(self.proof) > MAX_PROOF_LINES:
            raise RequestError(f"at most {MAX_PROOF_LINES} consistency proof lines")
        lines = [f"old {self.old_size}\n"]
        lines += [base64.b64encode(h).decode() + "\n" for h in self.proof]
        return ("".join(lines) + "\n" + self.checkpoint).encode("utf-8")

    @classmethod
    def parse(cls, body: bytes) -> AddCheckpointRequest:
        if len(body) > MAX_BODY:
            raise RequestError("request body is too large")
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise RequestError("request body is not UTF-8") from exc
        head, sep, checkpoint = text.partition("\n\n")
        if not sep:
            raise RequestError("request body has no blank line before the checkpoint")
        lines = head.split("\n")
        old = lines[0]
        if not old.startswith("old "):
            raise RequestError("request body must start with an old size line")
        digits = old[len("old ") :]
        if not (digits.isascii() and digits.isdigit()) or (digits != "0" and digits[0] == "0"):
            raise RequestError(f"old size {digits!r} is not a canonical decimal")
        if len(lines) - 1 > MAX_PROOF_LINES:
            raise RequestError(f"more than {MAX_PROOF_LINES} consistency proof lines")
        try:
            proof = [base64.b64decode(line, validate=True) for line in lines[1:]]
        except (binascii.Error, ValueError) as exc:
            raise RequestError("a consistency proof line is not base64") from exc
        return cls(int(digits), proof, checkpoint)


# --------------------------------------------------------------------------- state


@dataclass(frozen=True)
class LogState:
    """What a witness remembers of a log: the latest cosigned size, root and note."""

    size: int
    root: bytes
    note: str = ""


class StateStore:
    """Per-log witness state in one JSON file, replaced atomically on every update.

    Write to a temporary file in the same directory, fsync it, rename it over the old
    file, fsync the directory: after a crash the file is either the old state or the new
    one, never a mix, and a restarted witness resumes where it stopped.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, LogState]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        return {
            origin: LogState(v["size"], base64.b64decode(v["root"]), v.get("note", ""))
            for origin, v in raw["logs"].items()
        }

    def get(self, origin: str) -> LogState | None:
        return self._read().get(origin)

    def _write(self, states: dict[str, LogState]) -> None:
        data = {
            "logs": {
                origin: {"size": s.size, "root": base64.b64encode(s.root).decode(), "note": s.note}
                for origin, s in sorted(states.items())
            }
        }
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, indent=1)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.path)
        dir_fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    @contextlib.contextmanager
    def locked(self) -> Iterator[dict[str, LogState]]:
        """Hold the lock, yield the current states; a changed dict is written on exit."""
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path.with_name(self.path.name + ".lock"), "a") as lock_file:
                if fcntl is not None:
                    fcntl.flock(lock_file, fcntl.LOCK_EX)
                states = self._read()
                before = dict(states)
                yield states
                if states != before:
                    self._write(states)


# --------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    content_type: str = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class LogConfig:
    """A log the witness follows: origin, the log's trusted keys, its hash suite."""

    origin: str
    verifiers: Sequence[NoteVerifier]
    suite: Suite = DEFAULT


@dataclass
class Witness:
    """Decides add-checkpoint requests and cosigns the ones that extend its view."""

    signer: CosignatureSigner
    logs: dict[str, LogConfig]
    state: StateStore
    extra_signers: Sequence[CosignatureSigner] = field(default_factory=tuple)

    def add_checkpoint(self, body: bytes) -> Response:
        try:
            request = AddCheckpointRequest.parse(body)
            text, _ = split_note(request.checkpoint)
            checkpoint = Checkpoint.parse(text)
        except (RequestError, NoteError) as exc:
            return _text(400, f"bad request: {exc}")
        config = self.logs.get(checkpoint.origin)
        if config is None:
            return _text(404, f"unknown log {checkpoint.origin!r}")
        try:
            open_note(request.checkpoint, config.verifiers)
        except NoteError as exc:
            return _text(403, f"checkpoint is not signed by the log: {exc}")
        if request.old_size > checkpoint.size:
            return _text(400, "old size is larger than the checkpoint's size")
        with self.state.locked() as states:
            refusal = self._check(config, request, checkpoint, states.get(checkpoint.origin))
            if refusal is not None:
                return refusal
            states[checkpoint.origin] = LogState(
                checkpoint.size, checkpoint.root, request.checkpoint
            )
        lines = [_cosignature_line(s, text) for s in (self.signer, *self.extra_signers)]
        return Response(200, "".join(lines).encode("utf-8"))

    def _check(
        self,
        config: LogConfig,
        request: AddCheckpointRequest,
        checkpoint: Checkpoint,
        known: LogState | None,
    ) -> Response | None:
        """None if the checkpoint extends the witness's view, else the refusal."""
        known_size = known.size if known else 0
        if request.old_size != known_size:
            return Response(409, f"{known_size}\n".encode(), SIZE_CONTENT_TYPE)
        if known is None or known_size == 0:
            if request.proof:
                return _text(422, "the proof from size 0 must be empty")
            return None
        if checkpoint.size == known_size:
            if request.proof:
                return _text(422, "the proof between equal sizes must be empty")
            if checkpoint.root != known.root:
                log.warning("%s: two roots for size %d", checkpoint.origin, known_size)
                return _text(409, "a different root was cosigned for this size")
            return None
        try:
            config.suite.verify_consistency(
                known_size, checkpoint.size, request.proof, known.root, checkpoint.root
            )
        except ProofError as exc:
            log.warning(
                "%s: inconsistent %d -> %d: %s", checkpoint.origin, known_size, checkpoint.size, exc
            )
            return _text(422, f"consistency proof does not verify: {exc}")
        return None


# --------------------------------------------------------------------------- client


def submit(prefix: str, request: AddCheckpointRequest, timeout: float = 10.0) -> Response:
    """POST an add-checkpoint request to the witness whose submission prefix is ``prefix``
    (``<prefix>/add-checkpoint``) and return its answer, whatever the status; OSError
    (connection refused, timeout, ...) if there is none."""
    url = prefix.rstrip("/") + "/add-checkpoint"
    http_request = urllib.request.Request(url, data=request.encode(), method="POST")
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as reply:
            body, status = reply.read(MAX_BODY + 1), reply.status
            content_type = reply.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        body, status = error.read(MAX_BODY + 1), error.code
        content_type = error.headers.get("Content-Type", "")
        error.close()
    return Response(status, body[:MAX_BODY], content_type)


def reported_size(response: Response) -> int | None:
    """The size a 409 answer says the witness knows (``text/x.tlog.size``), or None."""
    if response.status != 409 or not response.content_type.startswith(SIZE_CONTENT_TYPE):
        return None
    text = response.body.decode("ascii", "replace").strip()
    return int(text) if text.isdigit() and text.isascii() else None


def _text(status: int, message: str) -> Response:
    return Response(status, (message + "\n").encode("utf-8"))


def _cosignature_line(signer: CosignatureSigner, text: str) -> str:
    blob = base64.b64encode(signer.key_id + signer.sign(text.encode("utf-8"))).decode()
    return f"\u2014 {signer.name} {blob}\n"


__all__ = [
    "MAX_PROOF_LINES",
    "SIZE_CONTENT_TYPE",
    "AddCheckpointRequest",
    "LogConfig",
    "LogState",
    "RequestError",
    "Response",
    "StateStore",
    "Witness",
    "reported_size",
    "submit",
]
