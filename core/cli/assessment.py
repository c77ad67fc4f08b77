"""``jixiao results|ratings|panels|items|reviews|evidence|appeals``: the assessment cycle
from the command line."""

from __future__ import annotations

import json
import mimetypes
from pathlib import Path

import click
from flask.cli import AppGroup

from core.cli.common import (
    actor,
    bureau_option,
    emit,
    json_option,
    platform,
    readable_errors,
    transaction,
)
from core.domain import organisation
from core.domain.assessment import appeals as appeal_service
from core.domain.assessment import collection, evidence, reporting

cycle_option = click.option("--cycle", required=True, help="cycle code")


def _store() -> evidence.EvidenceStore:
    return evidence.EvidenceStore(platform().instance / "evidence")


def _print_json(value: object) -> None:
    click.echo(json.dumps(value, ensure_ascii=False, indent=2))


# --------------------------------------------------------------------------- results


@click.group("results", cls=AppGroup)
def results() -> None:
    """Results of a cycle (成绩): totals, ranks, grades, explanations, outcomes."""


@results.command("compute")
@bureau_option
@cycle_option
@click.option("--unit", default=None, help="one unit, with its explanation tree")
@click.option("--period", default=None, help="standing within one period, e.g. 2026-Q2")
@json_option
@readable_errors
def compute(
    bureau_code: str, cycle: str, unit: str | None, period: str | None, as_json: bool
) -> None:
    """Compute from the ledger's projections; the same ledger gives the same output."""
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        found = reporting.compute(s, platform(), b, cycle, period)
        if unit:
            _print_json(reporting.unit_result(found, unit))
            return
        rows = found.rows(with_explanation=as_json)
    if as_json:
        _print_json(rows)
        return
    for row in rows:
        row["grade"] = row["grade_name"] or row["grade"] or ""
        row["flags"] = ",".join(row["flags"])
    emit(rows, False, ["group", "rank", "unit", "name", "total", "grade", "flags"])


@results.command("outcomes")
@bureau_option
@cycle_option
@json_option
@readable_errors
def outcomes(bureau_code: str, cycle: str, as_json: bool) -> None:
    """Results application (D-31): pay share, bonus, promotion, training."""
    with transaction() as s:
        rows = reporting.outcomes(s, platform(), organisation.get_bureau(s, bureau_code), cycle)
    columns = [
        "group",
        "rank",
        "unit",
        "name",
        "grade",
        "pay_coefficient",
        "bonus",
        "promotion_eligible",
        "training",
    ]
    emit(rows, as_json, columns)


# --------------------------------------------------------------------------- collection


@click.group("ratings", cls=AppGroup)
def ratings() -> None:
    """Ratings by raters and experts (D-13, D-14)."""


@ratings.command("submit")
@bureau_option
@cycle_option
@click.option("--unit", required=True)
@click.option("--indicator", required=True)
@click.option("--period", required=True)
@click.option("--role", required=True, help="superior, service_recipient, third_party, …")
@click.option("--score", required=True, help="0–100")
@click.option("--rater", default=None, help="who rated (default: you)")
@readable_errors
def submit(**row: str) -> None:
    bureau_code = row.pop("bureau_code")
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        (entry,) = collection.submit_ratings(s, b, [row], None, actor())
    click.echo(f"rating recorded at seq {entry.seq}")


@click.group("panels", cls=AppGroup)
def panels() -> None:
    """Expert panels drawn at random from the pool (D-14)."""


@panels.command("draw")
@bureau_option
@cycle_option
@click.option("--indicator", required=True)
@click.option("--size", type=int, required=True)
@click.option("--pool", default=None, help="comma-separated experts (default: all)")
@readable_errors
def draw(bureau_code: str, cycle: str, indicator: str, size: int, pool: str | None) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        entry, members = collection.draw_panel(
            s, b, cycle, indicator, size, actor(), pool.split(",") if pool else None
        )
    click.echo(f"drawn at seq {entry.seq} (seed {entry.data['seed']}): {', '.join(members)}")


@click.group("items", cls=AppGroup)
def items() -> None:
    """Bonus and deduction items recorded by reviewers (加分/扣分项)."""


@items.command("record")
@bureau_option
@cycle_option
@click.option("--unit", required=True)
@click.option("--indicator", required=True)
@click.option("--period", required=True)
@click.option("--quantity", required=True)
@click.option("--reason", required=True)
@readable_errors
def record_item(**row: str) -> None:
    bureau_code = row.pop("bureau_code")
    with transaction() as s:
        (entry,) = collection.record_items(
            s, organisation.get_bureau(s, bureau_code), [row], actor()
        )
    click.echo(f"item recorded at seq {entry.seq}")


@click.group("reviews", cls=AppGroup)
def reviews() -> None:
    """Review decisions on recorded values (人工复核)."""


@reviews.command("decide")
@bureau_option
@click.option("--seq", type=int, required=True, help="the value's ledger seq")
@click.option("--decision", type=click.Choice(collection.REVIEW_DECISIONS), required=True)
@click.option("--note", default="")
@readable_errors
def decide_review(bureau_code: str, seq: int, decision: str, note: str) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        entry = collection.decide_review(s, b, seq, decision, note, actor())
    click.echo(f"review recorded at seq {entry.seq}")


@click.group("evidence", cls=AppGroup)
def evidence_group() -> None:
    """Evidence files, stored by content hash (佐证材料)."""


@evidence_group.command("attach")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@bureau_option
@click.option("--unit", required=True)
@click.option("--subject", default="", help="what it supports, e.g. i1@2026-Q1")
@readable_errors
def attach(path: str, bureau_code: str, unit: str, subject: str) -> None:
    file = Path(path)
    media_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        entry = evidence.attach(
            s,
            _store(),
            b,
            file.read_bytes(),
            file.name,
            media_type,
            unit,
            subject,
            None,
            actor(),
        )
    click.echo(f"{entry.data['sha256']} recorded at seq {entry.seq}")


@evidence_group.command("get")
@click.argument("sha256")
@click.option("-o", "output", type=click.Path(dir_okay=False), required=True)
@readable_errors
def get(sha256: str, output: str) -> None:
    Path(output).write_bytes(_store().get(sha256))


# --------------------------------------------------------------------------- appeals


@click.group("appeals", cls=AppGroup)
def appeals() -> None:
    """Appeals against scores (申诉, D-33)."""


@appeals.command("file")
@bureau_option
@cycle_option
@click.option("--unit", required=True)
@click.option("--indicator", required=True)
@click.option("--period", required=True)
@click.option("--reasons", required=True)
@click.option("--evidence", "evidence_hashes", multiple=True, help="SHA-256 of attached files")
@readable_errors
def file_(evidence_hashes: tuple[str, ...], **row: str) -> None:
    bureau_code = row.pop("bureau_code")
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        hours = int(platform().config["APPEAL_HOURS"])
        found = appeal_service.file_appeal(
            s, b, {**row, "evidence": list(evidence_hashes)}, None, actor(), hours
        )
        click.echo(f"appeal {found.code} filed, to be decided by {found.deadline}")


@appeals.command("assign")
@click.argument("code")
@bureau_option
@click.option("--reviewer", required=True)
@readable_errors
def assign(code: str, bureau_code: str, reviewer: str) -> None:
    with transaction() as s:
        appeal_service.assign_appeal(
            s, organisation.get_bureau(s, bureau_code), code, reviewer, actor()
        )
    click.echo(f"appeal {code} assigned to {reviewer}")


@appeals.command("decide")
@click.argument("code")
@bureau_option
@click.option("--decision", type=click.Choice(appeal_service.DECISIONS), required=True)
@click.option("--reason", required=True)
@click.option("--value", default=None, help="the corrected value (decision: corrected)")
@readable_errors
def decide(code: str, bureau_code: str, decision: str, reason: str, value: str | None) -> None:
    with transaction() as s:
        b = organisation.get_bureau(s, bureau_code)
        found = appeal_service.decide_appeal(
            s, platform(), b, code, decision, reason, value, None, actor()
        )
        click.echo(f"appeal {code} {decision} at seq {found.decided_seq}")


@appeals.command("list")
@bureau_option
@click.option("--overdue", is_flag=True, help="only appeals past their deadline")
@json_option
@readable_errors
def list_(bureau_code: str, overdue: bool, as_json: bool) -> None:
    with transaction() as s:
        rows = appeal_service.listing(s, organisation.get_bureau(s, bureau_code), overdue)
    emit(
        rows,
        as_json,
        [
            "code",
            "unit",
            "indicator",
            "period",
            "status",
            "reviewer",
            "deadline",
            "overdue",
            "decision",
        ],
    )


COMMANDS = (results, ratings, panels, items, reviews, evidence_group, appeals)
