"""``jixiao results|ratings|panels|items|reviews|evidence|appeals``: the assessment cycle
from the command line."""

from __future__ import annotations

import mimetypes
from pathlib import Path

import click

from core.cli.common import bureau_option, context, emit, json_option, print_json, readable_errors

cycle_option = click.option("--cycle", required=True, help="cycle code")


def _target(row: dict) -> dict:
    """Drop the subject option not given (unit or person)."""
    return {k: v for k, v in row.items() if v is not None}


def target_options(fn):
    for option in reversed(
        [
            click.option("--unit", default=None),
            click.option("--person", default=None, help="a member of staff"),
            click.option("--indicator", required=True),
            click.option("--period", required=True),
        ]
    ):
        fn = option(fn)
    return fn


# --------------------------------------------------------------------------- results


@click.group("results")
def results() -> None:
    """Results of a cycle (成绩): totals, ranks, grades, explanations, outcomes."""


@results.command("compute")
@bureau_option
@cycle_option
@click.option("--unit", default=None, help="one unit, with its explanation tree")
@click.option("--person", default=None, help="one person, with their explanation tree")
@click.option("--period", default=None, help="standing within one period, e.g. 2026-Q2")
@json_option
@readable_errors
def compute(bureau_code, cycle, unit, person, period, as_json) -> None:
    """The stored results (kept up to date by every write; nothing is recomputed)."""
    from core.services import results as service

    ctx = context()
    if unit or person:
        kind, code = ("person", person) if person else ("unit", unit)
        print_json(service.subject_result(ctx, bureau_code, cycle, code, kind, period))
        return
    rows = service.results(ctx, bureau_code, cycle, period, explain=as_json)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        row["grade"] = row["grade_name"] or row["grade"] or ""
    columns = ["group", "rank", "subject", "name", "total", "grade", "flags"]
    emit(rows, False, columns + (["share"] if period else []))


@results.command("outcomes")
@bureau_option
@cycle_option
@json_option
@readable_errors
def outcomes(bureau_code: str, cycle: str, as_json: bool) -> None:
    """Results application (D-31): the outcome types the schemes name."""
    from core.services import results as service

    rows = service.outcomes(context(), bureau_code, cycle)
    if as_json:
        print_json(rows)
        return
    base = ["group", "rank", "subject", "name", "grade"]
    extra = sorted({k for r in rows for k in r} - set(base) - {"kind", "unit", "total", "health"})
    emit(rows, False, base + extra)


# --------------------------------------------------------------------------- collection


@click.group("ratings")
def ratings() -> None:
    """Ratings by raters and experts (D-13, D-14). Experts rate as themselves: use
    ``jixiao --as EXPERT ratings submit --role expert …``."""


@ratings.command("submit")
@bureau_option
@cycle_option
@target_options
@click.option("--role", required=True, help="superior, service_recipient, third_party, …")
@click.option("--score", required=True, help="0–100")
@click.option("--rater", default=None, help="who rated (a transcribed rating); default: you")
@click.option("--corrects", type=int, default=None, help="seq of the rating it replaces")
@readable_errors
def submit(**row) -> None:
    from core.services import assessment

    bureau_code = row.pop("bureau_code")
    done = assessment.submit_ratings(context(), bureau_code, [_target(row)])
    click.echo(f"rating recorded at seq {done['seqs'][0]}")


@ratings.command("withdraw")
@bureau_option
@cycle_option
@target_options
@click.option("--rater", required=True)
@click.option("--seq", "withdraws", type=int, required=True, help="seq of the rating")
@click.option("--reason", required=True)
@readable_errors
def withdraw_rating(**row) -> None:
    from core.services import assessment

    bureau_code = row.pop("bureau_code")
    done = assessment.withdraw_rating(context(), bureau_code, _target(row))
    click.echo(f"rating withdrawn at seq {done['seq']}")


@click.group("panels")
def panels() -> None:
    """Expert panels drawn at random from the pool (D-14)."""


@panels.command("draw")
@bureau_option
@cycle_option
@click.option("--indicator", required=True)
@click.option("--size", type=int, required=True)
@click.option("--pool", default=None, help="comma-separated experts (default: all)")
@click.option("--reason", default=None, help="why the panel is drawn again (a redraw needs one)")
@readable_errors
def draw(
    bureau_code: str, cycle: str, indicator: str, size: int, pool: str | None, reason: str | None
) -> None:
    from core.services import assessment

    chosen = pool.split(",") if pool else None
    done = assessment.draw_panel(
        context(), bureau_code, cycle, indicator, size, chosen, reason=reason
    )
    click.echo(f"drawn at seq {done['seq']} (seed {done['seed']}): {', '.join(done['members'])}")


@panels.command("close")
@bureau_option
@cycle_option
@click.option("--indicator", required=True)
@click.option("--reason", default=None)
@readable_errors
def close_panel(bureau_code: str, cycle: str, indicator: str, reason: str | None) -> None:
    """Close a panel: its experts' ratings are final and no longer blind."""
    from core.services import assessment

    done = assessment.close_panel(context(), bureau_code, cycle, indicator, reason)
    click.echo(f"panel for {indicator} closed at seq {done['seq']}")


@panels.command("ratings")
@bureau_option
@cycle_option
@click.option("--indicator", required=True)
@json_option
@readable_errors
def panel_ratings(bureau_code: str, cycle: str, indicator: str, as_json: bool) -> None:
    """A panel's expert ratings (members see them once it is closed)."""
    from core.services import scoring

    found = scoring.panel_ratings(context(), bureau_code, cycle, indicator)
    emit(found["ratings"], as_json, ["subject", "period", "rater", "score", "seq"])


@click.group("items")
def items() -> None:
    """Bonus and deduction items recorded by reviewers (加分/扣分项)."""


@items.command("record")
@bureau_option
@cycle_option
@target_options
@click.option("--quantity", required=True)
@click.option("--reason", required=True)
@click.option("--finding", default=None, help="the audit or inspection finding it cites")
@click.option("--evidence", multiple=True, help="SHA-256 of attached evidence")
@click.option("--corrects", type=int, default=None, help="seq of the item it replaces")
@readable_errors
def record_item(evidence: tuple[str, ...], **row) -> None:
    from core.services import assessment

    bureau_code = row.pop("bureau_code")
    done = assessment.record_items(
        context(), bureau_code, [{**_target(row), "evidence": list(evidence)}]
    )
    click.echo(f"item recorded at seq {done['seqs'][0]}")


@items.command("withdraw")
@click.argument("seq", type=int)
@bureau_option
@click.option("--reason", required=True)
@readable_errors
def withdraw_item(seq: int, bureau_code: str, reason: str) -> None:
    """Withdraw a live item (it no longer counts; the entry stays on the record)."""
    from core.services import assessment

    done = assessment.withdraw_item(context(), bureau_code, seq, reason)
    click.echo(f"item {seq} withdrawn at seq {done['seq']}")


@items.command("list")
@bureau_option
@json_option
@readable_errors
def list_items(bureau_code: str, as_json: bool) -> None:
    from core.services import assessment

    rows = assessment.list_items(context(), bureau_code)
    for r in rows:
        r["subject"] = r.get("person") or r.get("unit")
    emit(rows, as_json, ["seq", "subject", "indicator", "period", "quantity", "reason"])


@click.group("reviews")
def reviews() -> None:
    """Review decisions on recorded values (人工复核)."""


@reviews.command("decide")
@bureau_option
@click.option("--seq", type=int, required=True, help="the value's ledger seq")
@click.option("--decision", type=click.Choice(("approved", "rejected")), required=True)
@click.option("--note", default="")
@click.option("--corrects", type=int, default=None, help="seq of the decision it replaces")
@readable_errors
def decide_review(bureau_code: str, seq: int, decision: str, note: str, corrects: int | None):
    from core.services import assessment

    done = assessment.decide_review(context(), bureau_code, seq, decision, note, corrects)
    click.echo(f"review recorded at seq {done['seq']}")


@reviews.command("withdraw")
@bureau_option
@click.option("--seq", type=int, required=True, help="the value's ledger seq")
@click.option("--review", "withdraws", type=int, required=True, help="seq of the decision")
@click.option("--reason", required=True)
@readable_errors
def withdraw_review(bureau_code: str, seq: int, withdraws: int, reason: str) -> None:
    from core.services import assessment

    done = assessment.withdraw_review(context(), bureau_code, seq, withdraws, reason)
    click.echo(f"review withdrawn at seq {done['seq']}")


@click.group("evidence")
def evidence_group() -> None:
    """Evidence files, stored by content hash (佐证材料)."""


@evidence_group.command("attach")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("--unit", required=True)
@click.option("--subject", default="", help="what it supports, e.g. i1@2026-Q1")
@readable_errors
def attach(path: str, bureau_code: str, unit: str, subject: str) -> None:
    from core.kernel.files import MAX_TEXT_FILE, read_bounded
    from core.services import evidence

    file = Path(path)
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    done = evidence.attach(
        context(),
        bureau_code,
        read_bounded(file, MAX_TEXT_FILE),
        file.name,
        media_type,
        unit,
        subject,
    )
    click.echo(f"{done['sha256']} recorded at seq {done['seq']}")


@evidence_group.command("get")
@click.argument("sha256")
@bureau_option
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True)
@readable_errors
def get(sha256: str, bureau_code: str, output: str) -> None:
    """Save a file, re-hashed on the way out (only the bureau's own, and for reporters,
    only their units')."""
    from core.services import evidence

    _, content = evidence.content(context(), bureau_code, sha256)
    Path(output).write_bytes(content)


# --------------------------------------------------------------------------- appeals


@click.group("appeals")
def appeals() -> None:
    """Appeals against scores (申诉, D-33)."""


@appeals.command("file")
@bureau_option
@cycle_option
@target_options
@click.option("--reason", required=True)
@click.option("--evidence", "evidence_hashes", multiple=True, help="SHA-256 of attached files")
@readable_errors
def file_(evidence_hashes: tuple[str, ...], **row) -> None:
    from core.services import appeals as service

    bureau_code = row.pop("bureau_code")
    found = service.file(
        context(), bureau_code, {**_target(row), "evidence": list(evidence_hashes)}
    )
    click.echo(f"appeal {found['code']} filed, to be decided by {found['deadline']}")


@appeals.command("assign")
@click.argument("code")
@bureau_option
@click.option("--reviewer", required=True)
@readable_errors
def assign(code: str, bureau_code: str, reviewer: str) -> None:
    from core.services import appeals as service

    service.assign(context(), bureau_code, code, reviewer)
    click.echo(f"appeal {code} assigned to {reviewer}")


@appeals.command("decide")
@click.argument("code")
@bureau_option
@click.option("--decision", type=click.Choice(("upheld", "corrected")), required=True)
@click.option("--reason", required=True)
@click.option("--value", default=None, help="the corrected value, quantity, score or decision")
@click.option("--target", type=int, default=None, help="seq of the input to correct")
@click.option("--withdraw", is_flag=True, help="withdraw the target instead of correcting it")
@readable_errors
def decide(code, bureau_code, decision, reason, value, target, withdraw) -> None:
    from core.services import appeals as service

    found = service.decide(context(), bureau_code, code, decision, reason, value, target, withdraw)
    click.echo(f"appeal {code} {decision} at seq {found['decided_seq']}")


@appeals.command("list")
@bureau_option
@click.option("--overdue", is_flag=True, help="only appeals past their deadline")
@json_option
@readable_errors
def list_(bureau_code: str, overdue: bool, as_json: bool) -> None:
    from core.services import appeals as service

    rows = service.listing(context(), bureau_code, overdue)
    columns = [
        "code",
        "subject",
        "indicator",
        "period",
        "status",
        "reviewer",
        "deadline",
        "overdue",
    ]
    emit(rows, as_json, [*columns, "decision"])
