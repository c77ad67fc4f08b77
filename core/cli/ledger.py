"""``jixiao ledger verify|export|verify-bundle|public-key|checkpoint|proof|replay``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from core.cli.common import actor, emit, json_option, platform, readable_errors, transaction
from core.domain import organisation
from core.domain.projections import replay_check
from core.ledger import audit, bundle, checkpoints, proofs, tlog
from core.ledger.models import LedgerLog
from core.ledger.store import origin_for
from core.services.platform import announce_failures


@click.group("ledger", cls=AppGroup)
def ledger() -> None:
    """The hash-chained ledger (防篡改账本)."""


@ledger.command("verify")
@click.option("--bureau", "bureau_code", default=None, help="only this bureau (and the anchor)")
@json_option
@readable_errors
def verify(bureau_code: str | None, as_json: bool) -> None:
    """Re-hash every entry and check every signed checkpoint; exit 1 at the first fault."""
    verifiers = [s.verifier for s in platform().signers()]
    with transaction() as s:
        if bureau_code:
            organisation.get_bureau(s, bureau_code)
        origin = origin_for(bureau_code) if bureau_code else None
        reports = audit.verify_all(s, verifiers, origin)
    ok = all(r.ok for r in reports)
    if not ok:
        with transaction() as s:
            announce_failures(s, platform(), reports, actor())
    if as_json:
        click.echo(
            json.dumps(
                {"ok": ok, "logs": [r.as_dict() for r in reports]}, ensure_ascii=False, indent=2
            )
        )
    else:
        for r in reports:
            state = "OK" if r.ok else f"FAILED at seq {r.finding.seq}: {r.finding.reason}"
            click.echo(f"{r.origin}: {r.size} entries, {r.checkpoints} checkpoints — {state}")
            if not r.ok:
                click.echo(f"  {r.finding.detail}")
    sys.exit(0 if ok else 1)


@ledger.command("export")
@click.option("--bureau", "bureau_code", required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="new directory or .zip")
@readable_errors
def export(bureau_code: str, output: str) -> None:
    """Write an offline audit bundle (verifiable without the server or database)."""
    p = platform()
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        checkpoints.checkpoint(s, b.log_id, p.signers())
    with transaction() as s:
        log = s.get(LedgerLog, organisation.get_bureau(s, bureau_code).log_id)
        manifest = bundle.export(s, log, p.signers(), output)
    click.echo(f"exported {manifest['size']} entries of {manifest['origin']} to {output}")
    click.echo(f"root {manifest['root']}")


@ledger.command("verify-bundle")
@click.argument("path", type=click.Path(exists=True))
@click.option(
    "--public-key",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="verifier key(s) obtained from the bureau out of band",
)
@click.option(
    "--checkpoint",
    "pinned",
    multiple=True,
    type=click.Path(exists=True),
    help="a signed checkpoint kept from an earlier audit",
)
@json_option
def verify_bundle(path: str, public_key: str, pinned: tuple[str, ...], as_json: bool) -> None:
    """Verify a bundle offline; needs no database."""
    args = [path, "--public-key", public_key]
    for p in pinned:
        args += ["--checkpoint", p]
    sys.exit(tlog.main(args + (["--json"] if as_json else [])))


@ledger.command("public-key")
@readable_errors
def public_key() -> None:
    """Print the verifier key(s) an auditor needs (publish them out of band)."""
    for signer in platform().signers():
        click.echo(str(signer.verifier))


@ledger.command("checkpoint")
@click.option("--bureau", "bureau_code", default=None, help="default: every log that grew")
@json_option
@readable_errors
def checkpoint(bureau_code: str | None, as_json: bool) -> None:
    """Sign checkpoints now."""
    p = platform()
    with transaction() as s:
        if bureau_code:
            b = organisation.get_bureau(s, bureau_code)
            made = [checkpoints.checkpoint(s, b.log_id, p.signers())]
        else:
            made = checkpoints.checkpoint_all(s, p.signers())
        rows = [
            {
                "origin": tlog.Checkpoint.parse(tlog.split_note(c.note)[0]).origin,
                "size": c.size,
                "root": c.root.hex(),
                "note": c.note,
            }
            for c in made
            if c
        ]
    if as_json:
        emit(rows, True, [])
    else:
        for row in rows:
            click.echo(row["note"])
        if not rows:
            click.echo("nothing new to checkpoint")


@ledger.command("proof")
@click.option("--bureau", "bureau_code", required=True)
@click.option("--seq", required=True, type=int)
@click.option("-o", "--output", type=click.Path(), default=None)
@readable_errors
def proof(bureau_code: str, seq: int, output: str | None) -> None:
    """Inclusion proof of one entry; check it with `python verify.py --proof FILE`."""
    p = platform()
    with transaction() as s:
        log = s.get(LedgerLog, organisation.get_bureau(s, bureau_code).log_id)
        doc = proofs.inclusion_document(s, log, seq, p.signers())
    text = json.dumps(doc, ensure_ascii=False, indent=2)
    if output:
        Path(output).write_text(text + "\n", encoding="utf-8")
        click.echo(f"proof written to {output}")
    else:
        click.echo(text)


@ledger.command("replay")
@click.option("--check", is_flag=True, required=True, help="compare projections with a rebuild")
@json_option
@readable_errors
def replay(check: bool, as_json: bool) -> None:
    """Rebuild the projections from the ledger alone and compare them with the tables."""
    with transaction() as s:
        report = replay_check(s)
    if as_json:
        click.echo(
            json.dumps(
                {"ok": report.ok, "entries": report.entries, "differences": report.differences},
                ensure_ascii=False,
                default=str,
                indent=2,
            )
        )
    elif report.ok:
        click.echo(f"projections match a rebuild from {report.entries} ledger entries")
    else:
        for table, diff in report.differences.items():
            click.echo(
                f"{table}: {len(diff['not_in_ledger'])} row(s) not backed by the ledger, "
                f"{len(diff['missing_from_table'])} missing"
            )
    sys.exit(0 if report.ok else 1)
