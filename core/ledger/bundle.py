"""Export of an offline audit bundle for one bureau log.

Layout (a directory, or the same inside a ``.zip``)::

    manifest.json       origin, size, root, format version, SHA-256 of every file
    entries.jsonl       the exact body bytes of every entry, in order, one per line
    checkpoints.jsonl   {"size": n, "note": "<signed note>"} per stored checkpoint
    keys.txt            verifier keys that signed: hints only — bring the key from elsewhere
    FORMAT.md           the format, enough to write an independent verifier
    verify.py           the standalone verifier (Python + cryptography only)

Written to a temporary name and renamed into place, so a failed export leaves nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import zipfile
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.ledger import tlog
from core.ledger.models import LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.signing import NoteSigner
from core.ledger.store import utc_timestamp


def _write_entries(session: Session, log: LedgerLog, path: Path) -> tuple[int, str]:
    acc = tlog.MerkleAccumulator()
    rows = (
        session.connection()
        .execution_options(stream_results=True, yield_per=5000)
        .execute(
            select(LedgerEntry.body).where(LedgerEntry.log_id == log.id).order_by(LedgerEntry.seq)
        )
    )
    with open(path, "wb") as fh:
        for (body,) in rows:
            body = bytes(body)
            fh.write(body + b"\n")
            acc.append(tlog.leaf_hash(body))
    return acc.size, acc.root().hex()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _fill(session: Session, log: LedgerLog, signers: list[NoteSigner], folder: Path) -> dict:
    size, root = _write_entries(session, log, folder / "entries.jsonl")
    notes = session.execute(
        select(LedgerCheckpoint.size, LedgerCheckpoint.note)
        .where(LedgerCheckpoint.log_id == log.id, LedgerCheckpoint.size <= size)
        .order_by(LedgerCheckpoint.size)
    )
    with open(folder / "checkpoints.jsonl", "w", encoding="utf-8") as fh:
        for cp_size, note in notes:
            fh.write(json.dumps({"size": cp_size, "note": note}, ensure_ascii=False) + "\n")
    (folder / "keys.txt").write_text(
        "# Verifier keys that signed these checkpoints. HINTS ONLY: check them against a\n"
        "# key you obtained from the bureau through another channel.\n"
        + "".join(f"{s.verifier}\n" for s in signers),
        encoding="utf-8",
    )
    package = resources.files("core.ledger")
    (folder / "FORMAT.md").write_text(package.joinpath("FORMAT.md").read_text("utf-8"), "utf-8")
    (folder / "verify.py").write_text(package.joinpath("tlog.py").read_text("utf-8"), "utf-8")
    files = sorted(p.name for p in folder.iterdir())
    manifest = {
        "format": "jixiao-ledger-bundle",
        "version": tlog.FORMAT_VERSION,
        "origin": log.origin,
        "size": size,
        "root": root,
        "exported_at": utc_timestamp(),
        "sha256": {name: _sha256(folder / name) for name in files},
    }
    (folder / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def export(session: Session, log: LedgerLog, signers: list[NoteSigner], out: str | Path) -> dict:
    """Write the bundle to ``out`` (a ``.zip`` file or a new directory) atomically."""
    out = Path(out)
    if out.exists():
        raise FileExistsError(f"{out} exists; choose a new path")
    out.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".jixiao-export-", dir=out.parent))
    try:
        folder = work / "bundle"
        folder.mkdir()
        manifest = _fill(session, log, signers, folder)
        if out.suffix == ".zip":
            tmp_zip = work / "bundle.zip"
            with zipfile.ZipFile(tmp_zip, "w", zipfile.ZIP_DEFLATED) as zf:
                for item in sorted(folder.iterdir()):
                    zf.write(item, f"{out.stem}/{item.name}")
            os.replace(tmp_zip, out)
        else:
            os.replace(folder, out)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest
