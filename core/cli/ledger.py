"""``jixiao ledger verify|export|verify-bundle|public-key|checkpoint|proof|replay|policy|
witnessed|mirror``."""

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
            extra = ""
            if r.get("cosigned_by"):
                extra += f", newest cosigned by {', '.join(r['cosigned_by'])}"
            if r.get("timestamps_checked"):
                extra += f", {r['timestamps_checked']} time-stamps"
            click.echo(
                f"{r['origin']} ({r['suite']}): {r['size']} entries, "
                f"{r['checkpoints_checked']} checkpoints{extra} — {state}"
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
@click.option(
    "--witness-key",
    "witness_keys",
    multiple=True,
    help="a witness's verifier key (or a file of them), obtained from the witness",
)
@click.option(
    "--min-witnesses",
    type=click.IntRange(0, 64),
    default=0,
    help="cosignatures required on the newest checkpoint (of the --witness-key witnesses)",
)
@click.option(
    "--tsa-cert",
    "tsa_certs",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="PEM certificate of a trusted time-stamp authority: every token must verify",
)
@click.option("--origin", default=None, help="the log expected, e.g. jixiao/tax")
@json_option
def verify_bundle(
    path: str,
    public_key: str,
    pinned: tuple[str, ...],
    witness_keys: tuple[str, ...],
    min_witnesses: int,
    tsa_certs: tuple[str, ...],
    origin: str | None,
    as_json: bool,
) -> None:
    """Verify a bundle offline; needs no database or instance (the bundle's own
    verify.py takes the same options, and checks a single entry's proof with --proof)."""
    from core.ledger import tlog

    args = [path, "--public-key", public_key, "--min-witnesses", str(min_witnesses)]
    for p in pinned:
        args += ["--checkpoint", p]
    for key in witness_keys:
        args += ["--witness-key", key]
    for cert in tsa_certs:
        args += ["--tsa-cert", cert]
    if origin is not None:
        args += ["--origin", origin]
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
            for name, state in row.get("witnesses", {}).items():
                click.echo(f"  witness {name}: {state}")
            if "timestamp" in row:
                click.echo(f"  timestamp: {row['timestamp']}")
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


@ledger.command("policy")
@click.option("--bureau", "bureau_code", required=True)
@click.option(
    "--min-witnesses",
    default=None,
    help="witness cosignatures required before results are published; 'default' for "
    "the platform's JIXIAO_MIN_WITNESSES",
)
@click.option(
    "--public/--private",
    "public",
    default=None,
    help="whether anyone may read the log's tiles without a token (/logs/<bureau>/…)",
)
@json_option
@readable_errors
def policy(bureau_code: str, min_witnesses: str | None, public: bool | None, as_json: bool) -> None:
    """Show the bureau's ledger policy, or change it (recorded in its log)."""
    from core.services import ledger as service

    if min_witnesses is None and public is None:
        found = service.policy(context(), bureau_code)
    else:
        value: object = min_witnesses
        if min_witnesses is not None and min_witnesses != "default":
            value = int(min_witnesses) if min_witnesses.isdigit() else min_witnesses
        found = service.set_policy(context(), bureau_code, value, public)
    if as_json:
        print_json(found)
        return
    override = "" if found["min_witnesses_override"] is not None else " (platform default)"
    click.echo(f"witnesses required before publishing: {found['min_witnesses']}{override}")
    click.echo(f"witnesses configured: {', '.join(found['witnesses']) or 'none'}")
    click.echo(f"tiles: {'public' if found['public'] else 'token with ledger.read required'}")


@ledger.command("witnessed")
@click.option("--bureau", "bureau_code", required=True)
@click.option("--size", type=click.IntRange(0), default=None, help="default: the log's size")
@json_option
@readable_errors
def witnessed(bureau_code: str, size: int | None, as_json: bool) -> None:
    """Which witnesses cosigned a checkpoint covering the first SIZE entries; exit 1 if
    fewer than the bureau requires before publishing."""
    from core.services import ledger as service

    ctx = context()
    if size is None:
        size = service.head(ctx, bureau_code)["size"]
    cosigners, missing = service.witnessed(ctx, bureau_code, size)
    required = service.required_witnesses(ctx, bureau_code)
    ok = len(cosigners) >= required
    if as_json:
        print_json({"size": size, "required": required, "cosigners": cosigners, "missing": missing})
    else:
        click.echo(f"size {size}: {len(cosigners)} of {required} required witness(es)")
        click.echo(f"  cosigned by: {', '.join(cosigners) or 'none'}")
        click.echo(f"  not yet: {', '.join(missing) or 'none'}")
    sys.exit(0 if ok else 1)


@ledger.command("mirror")
@click.argument("url")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option(
    "--public-key",
    required=True,
    type=click.Path(exists=True, dir_okay=False),
    help="the log's verifier key(s), obtained from the bureau out of band",
)
@click.option(
    "--token",
    envvar="JIXIAO_TOKEN",
    default=None,
    help="bearer token with ledger.read, unless the log is public (env JIXIAO_TOKEN)",
)
@click.option(
    "--suite",
    type=click.Choice(["sha256-ed25519", "sm3-sm2"]),
    default=None,
    help="the log's suite (default: what its keys imply)",
)
@click.option("--witness-key", "witness_keys", multiple=True, help="a witness's verifier key")
@click.option("--min-witnesses", type=click.IntRange(0, 64), default=0)
@click.option("--timeout", type=float, default=30.0, show_default=True)
def mirror(
    url: str,
    folder: str,
    public_key: str,
    token: str | None,
    suite: str | None,
    witness_keys: tuple[str, ...],
    min_witnesses: int,
    timeout: float,
) -> None:
    """Keep a verified local copy of a log served as tiles (URL: …/logs/<bureau>/),
    fetching only what is new. Exit 0 when consistent; 1 with an ALERT on any
    inconsistency (evidence kept in FOLDER/alerts/); 2 when it could not be fetched.
    Needs no instance: run it from cron on another machine."""
    from core.ledger import mirror as monitor
    from core.ledger.notekeys import NoteError
    from core.ledger.suites import SUITES
    from core.ledger.tlog import load_verifiers, load_witness_keys

    try:
        verifiers = load_verifiers(public_key)
        witnesses = load_witness_keys(witness_keys)
    except (NoteError, OSError) as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        fetcher = monitor.Fetcher(url, token, timeout)
    except monitor.MirrorError as exc:
        raise click.ClickException(str(exc)) from exc
    job = monitor.Mirror(
        fetcher, folder, verifiers, SUITES[suite] if suite else None, witnesses, min_witnesses
    )
    try:
        click.echo(str(job.run()))
    except monitor.MirrorAlert as exc:
        click.echo(f"警报 (ALERT): {url}: {exc}", err=True)
        sys.exit(1)
    except monitor.MirrorError as exc:
        click.echo(f"错误 (ERROR): {url}: {exc}", err=True)
        sys.exit(2)
    finally:
        fetcher.close()
