"""``jixiao ledger verify|export|verify-bundle|public-key|checkpoint|proof|replay``."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from core.cli.common import (
    context,
    emit,
    json_option,
    platform,
    print_json,
    progress,
    readable_errors,
)


@click.group("ledger")
def ledger() -> None:
    """The hash-chained ledger (防篡改账本)."""


@ledger.command("verify")
@click.option("--bureau", "bureau_code", default=None, help="only this bureau (and the anchor)")
@json_option
@readable_errors
def verify(bureau_code: str | None, as_json: bool) -> None:
    """Re-hash every entry and check every signed checkpoint; exit 1 if anything is
    wrong, naming where (a failure is also recorded in the platform log)."""
    from core.services import ledger as service

    with progress("verifying", None, as_json) as step:
        report = service.verify(context(), bureau_code, step)
    if as_json:
        print_json(report)
    else:
        for r in report["logs"]:
            if r["ok"]:
                state = "OK"
            else:
                where = r["first_bad_seq"]
                if r.get("last_bad_seq") is not None:
                    where = f"{where}–{r['last_bad_seq']}"
                state = f"FAILED at seq {where}: {r['reason']}"
            click.echo(
                f"{r['origin']}: {r['size']} entries, "
                f"{r['checkpoints_checked']} checkpoints — {state}"
            )
            if not r["ok"]:
                click.echo(f"  {r['detail']}")
    sys.exit(0 if report["ok"] else 1)


@ledger.command("export")
@click.option("--bureau", "bureau_code", required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="new directory or .zip")
@readable_errors
def export(bureau_code: str, output: str) -> None:
    """Write an offline audit bundle (verifiable without the server or database)."""
    from core.services import ledger as service

    manifest = service.export(context(), bureau_code, output)
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
    """Verify a bundle offline; needs no database or instance."""
    from core.ledger import tlog

    args = [path, "--public-key", public_key]
    for p in pinned:
        args += ["--checkpoint", p]
    sys.exit(tlog.main(args + (["--json"] if as_json else [])))


@ledger.command("public-key")
@readable_errors
def public_key() -> None:
    """Print the verifier key(s) an auditor needs (publish them out of band)."""
    from core.services import ledger as service

    for key in service.public_keys(platform()):
        click.echo(key)


@ledger.command("checkpoint")
@click.option("--bureau", "bureau_code", default=None, help="default: every log that grew")
@json_option
@readable_errors
def checkpoint(bureau_code: str | None, as_json: bool) -> None:
    """Sign checkpoints now (refused, and recorded, if a log was rewritten)."""
    from core.services import ledger as service

    ctx = context()
    if bureau_code:
        made = service.checkpoint(ctx, bureau_code)
        rows = [made] if made["note"] else []
    else:
        rows = service.checkpoint_all(ctx)
    if as_json:
        emit(rows, True, [])
    elif rows:
        for row in rows:
            click.echo(row["note"])
    else:
        click.echo("nothing new to checkpoint")


@ledger.command("proof")
@click.option("--bureau", "bureau_code", required=True)
@click.option("--seq", required=True, type=int)
@click.option("-o", "--output", type=click.Path(), default=None)
@readable_errors
def proof(bureau_code: str, seq: int, output: str | None) -> None:
    """Inclusion proof of one entry; check it with `python verify.py --proof FILE`."""
    from core.services import ledger as service

    text = json.dumps(service.proof(context(), bureau_code, seq), ensure_ascii=False, indent=2)
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
    """Rebuild every projection (results included) from the ledger alone and compare
    them with the tables; exit 1 on any difference."""
    from core.services import ledger as service

    with progress("replaying", None, as_json) as step:
        report = service.replay_check(context(), step)
    if as_json:
        print_json({"ok": report.ok, "entries": report.entries, "differences": report.differences})
    elif report.ok:
        click.echo(f"projections match a rebuild from {report.entries} ledger entries")
    else:
        for table, diff in report.differences.items():
            click.echo(
                f"{table}: {len(diff['not_in_ledger'])} row(s) not backed by the ledger, "
                f"{len(diff['missing_from_table'])} missing"
            )
    sys.exit(0 if report.ok else 1)
