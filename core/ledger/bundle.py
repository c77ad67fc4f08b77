"""Export of an offline audit bundle for one bureau log.

Layout (a directory, or the same inside a ``.zip``)::

    manifest.json       origin, suite, size, root, format version, SHA-256 of every file
    entries.jsonl       the exact body bytes of every entry, in order, one per line
    checkpoints.jsonl   {"size": n, "note": "<signed note + cosignatures>"[, "timestamp":
                        "<base64 RFC 3161 token>"]} per stored checkpoint
    keys.txt            verifier keys that signed: hints only — bring the key from elsewhere
    FORMAT.md           the format, enough to write an independent verifier
    verify.py           runs the standalone verifier: ``python verify.py . --public-key K``
    jixiao_tlog/        the verifier itself (Python + cryptography; + gmalg for SM2 logs)

The bundle ends at the newest checkpoint: every entry in it is covered by a signature.
Written to a temporary name and renamed into place, so a failed export leaves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger import rfc9162, tlog
from core.ledger.checkpoints import published_note, timestamp
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.store import suite_of, utc_timestamp

VERIFIER_PACKAGE = "jixiao_tlog"
VERIFIER_MODULES = (
    "tlog.py",
    "rfc9162.py",
    "notekeys.py",
    "sm2.py",
    "suites.py",
    "cosignature.py",
    "tsa.py",
)
LAUNCHER = '''"""Verify this jixiao ledger bundle offline (see FORMAT.md).

    python verify.py . --public-key KEYFILE [--checkpoint PINNED_NOTE]
        [--witness-key VKEY ... --min-witnesses N] [--tsa-cert PEM ...] [--json]
    python verify.py --proof PROOF.json --public-key KEYFILE

Needs Python 3.11+ and ``cryptography``; ``gmalg`` for logs of the sm3-sm2 suite;
``asn1crypto`` to check time-stamps (--tsa-cert).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from jixiao_tlog.tlog import main  # noqa: E402

sys.exit(main())
'''


def _write_entries(session: Session, log: LedgerLog, size: int, path: Path) -> str:
    hasher = suite_of(log).hasher
    acc = rfc9162.Accumulator(hasher)
    rows = session.execute(
        select(LedgerEntry.body)
        .where(LedgerEntry.log_id == log.id, LedgerEntry.seq < size)
        .order_by(LedgerEntry.seq)
        .execution_options(stream_results=True, yield_per=5000)
    )
    with open(path, "wb") as fh:
        for (body,) in rows:
            body = bytes(body)
            fh.write(body + b"\n")
            acc.append(hasher.leaf(body))
    return acc.root().hex()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_verifier(folder: Path) -> None:
    package = resources.files("core.ledger")
    (folder / "FORMAT.md").write_text(package.joinpath("FORMAT.md").read_text("utf-8"), "utf-8")
    (folder / "verify.py").write_text(LAUNCHER, "utf-8")
    target = folder / VERIFIER_PACKAGE
    target.mkdir()
    (target / "__init__.py").write_text('"""The jixiao ledger verifier."""\n', "utf-8")
    for name in VERIFIER_MODULES:
        (target / name).write_text(package.joinpath(name).read_text("utf-8"), "utf-8")


def _fill(session: Session, log: LedgerLog, verifiers: Sequence, folder: Path) -> dict:
    rows = session.scalars(
        select(LedgerCheckpoint)
        .where(LedgerCheckpoint.log_id == log.id)
        .order_by(LedgerCheckpoint.size)
    ).all()
    size = rows[-1].size if rows else 0
    root = _write_entries(session, log, size, folder / "entries.jsonl")
    with open(folder / "checkpoints.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            line = {"size": row.size, "note": published_note(session, row)}
            token = timestamp(session, log.id, row.size)
            if token is not None:
                line["timestamp"] = base64.b64encode(token).decode()
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
    suite = suite_of(log)
    (folder / "keys.txt").write_text(
        "# Verifier keys that signed these checkpoints. HINTS ONLY: check them against a\n"
        "# key you obtained from the bureau through another channel.\n"
        + "".join(f"{v}\n" for v in verifiers if isinstance(v, suite.verifier_type)),
        encoding="utf-8",
    )
    _write_verifier(folder)
    files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    manifest = {
        "format": "jixiao-ledger-bundle",
        "version": tlog.FORMAT_VERSION,
        "origin": log.origin,
        "suite": suite.name,
        "size": size,
        "root": root,
        "exported_at": utc_timestamp(),
        "sha256": {name: _sha256(folder / name) for name in files},
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def export(session: Session, log: LedgerLog, verifiers: Sequence, out: str | Path) -> dict:
    """Write the bundle to ``out`` (a ``.zip`` file or a new directory) atomically;
    ``verifiers`` are the instance's verifier keys (written to keys.txt as hints)."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} 已存在，请另选路径 ({out} exists; choose a new path)")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".jixiao-export-", dir=out.parent))
    try:
        folder = work / "bundle"
        folder.mkdir()
        manifest = _fill(session, log, verifiers, folder)
        if out.suffix == ".zip":
            tmp_zip = work / "bundle.zip"
            with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as zf:
                for item in sorted(folder.rglob("*")):
                    if item.is_file():
                        zf.write(item, f"{out.stem}/{item.relative_to(folder).as_posix()}")
            os.replace(tmp_zip, out)
        else:
            os.replace(folder, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest
