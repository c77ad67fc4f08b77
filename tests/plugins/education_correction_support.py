"""Helpers for the education and community-correction tests: a bureau with the sector
plugin installed, its indicator library loaded, and people stood in for by units.

People as subjects (``subject: person``) wait for the engine (see the plugins'
NEEDS.md). Until then :func:`as_unit_scheme` drops the field and each person is created
as a unit of the person's group, under their own unit as parent: the scheme, the rules
and the numbers are the same, only the kind of subject differs. When the engine knows
people, these tests switch to persons and keep their expected numbers.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from core import installs
from tests.acceptance.conftest import Office


def sector_office(platform, plugin: str, library: Mapping, code: str = "acc") -> Office:
    """A bureau (cycle 2026 with quarters and year) with ``plugin`` installed and the
    plugin's indicator library created."""
    office = Office(platform, code)
    with platform.db.transaction() as s:
        installs.install(s, platform, office.bureau(s), plugin, "test")
    office.indicators(
        *((i["code"], i["name"], i.get("measure", "")) for i in library["indicators"])
    )
    return office


def as_unit_scheme(doc: Mapping) -> dict:
    """The scheme without ``subject: person``, which the validator does not know yet."""
    return {k: v for k, v in doc.items() if k != "subject"}


def publish_all(office: Office, docs: Iterable[Mapping]) -> None:
    for doc in docs:
        office.scheme(as_unit_scheme(doc))


def people(office: Office, group: str, parent: str, *codes: str) -> None:
    """People of ``group`` working in unit ``parent``, as units until the engine has
    person subjects."""
    office.units(*((code, f"人员 {code}", group, parent) for code in codes))


def outcome_rows(results: Mapping[str, dict], unit_of: Mapping[str, str]) -> list[dict]:
    """Result rows in the shape outcome types take: ``subject`` the person, ``unit``
    the unit they roll up to."""
    return [
        {
            "subject": code,
            "unit": unit_of[code],
            "group": row["group"],
            "total": row["total"],
            "rank": row["rank"],
            "grade": row["grade"],
        }
        for code, row in sorted(results.items())
        if code in unit_of
    ]


def items(office: Office, unit: str, counts: Mapping[str, str], reason: str) -> None:
    """Reviewers' deduction or bonus items: {indicator: quantity}."""
    office.items(
        [
            {"unit": unit, "indicator": indicator, "quantity": quantity, "reason": reason}
            for indicator, quantity in counts.items()
        ]
    )


def by_subject(rows: Sequence[dict], *fields: str) -> dict[str, tuple]:
    return {r["subject"]: tuple(r[f] for f in fields) for r in rows}
