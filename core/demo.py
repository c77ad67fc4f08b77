"""The demo bureau created by ``jixiao init --demo``: enough to click through every screen.

A county statistics-style bureau with units in two assessment groups (D-03), a
supervising department with two subordinate institutions (D-15), the five dimensions of
the default scheme as indicators (D-02), a 2026 cycle with quarters, a few dozen values,
staff with (fictitious) identifiers, and one user per role.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from core import cycles, organisation, values
from core.platform import Platform
from core.privacy import _ID_CHECK, _ID_WEIGHTS

DEMO_BUREAU = "demo"

UNITS = [
    # code, name, English, parent, group
    ("office", "办公室", "General Office", None, "A"),
    ("approval", "行政审批科", "Administrative Approval Section", None, "A"),
    ("service", "政务服务中心", "Government Service Centre", "approval", "B"),
    ("data", "大数据中心", "Big Data Centre", "approval", "B"),
    ("law", "法规科", "Legal Affairs Section", None, "A"),
    ("archive", "档案馆", "Archives", "office", "B"),
]
INDICATORS = [
    ("task_completion", "任务完成率", "Task completion rate", "%"),
    ("quality", "质量效果", "Quality and effect", "分"),
    ("satisfaction", "服务满意度", "Service satisfaction", "%"),
    ("management", "绩效管理与激励", "Performance management and incentives", "分"),
    ("efficiency", "资源使用效率", "Resource efficiency", "%"),
]
USERS = [
    ("demo-admin", "bureau_admin", []),
    ("demo-reporter", "reporter", ["service", "data"]),
    ("demo-reviewer", "reviewer", []),
    ("demo-expert", "expert", []),
    ("demo-auditor", "auditor", []),
]


def fictitious_id_card(serial: int) -> str:
    """A well-formed but made-up resident ID number (valid check digit)."""
    body = f"110105199003{serial % 28 + 1:02d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + _ID_CHECK[total % 11]


def create_demo(session: Session, platform: Platform) -> str:
    """Create the demo bureau; returns the bureau admin's token."""
    actor = "system:demo"
    bureau = organisation.create_bureau(
        session, platform, DEMO_BUREAU, "示范局", "Demonstration Bureau", actor=actor
    )
    for code, name, name_en, parent, group in UNITS:
        organisation.create_unit(session, bureau, code, name, name_en, parent, group, actor=actor)
    for code, name, name_en, measure in INDICATORS:
        organisation.create_indicator(session, bureau, code, name, name_en, measure, actor=actor)
    cycles.create_cycle(
        session,
        bureau,
        "2026",
        "2026年度考核",
        dt.date(2026, 1, 1),
        dt.date(2026, 12, 31),
        ["quarter", "year"],
        actor=actor,
    )
    for i, (code, _, _, _, _) in enumerate(UNITS):
        organisation.create_person(
            session,
            platform,
            bureau,
            f"p{i + 1:03d}",
            f"职工{i + 1}",
            code,
            {"id_card": fictitious_id_card(i + 1), "phone": f"1380000{i + 1:04d}"},
            actor=actor,
        )
    rows = [
        {
            "unit": unit,
            "indicator": ind,
            "cycle": "2026",
            "period": f"2026-Q{q}",
            "value": str(Decimal(80 + (u * 3 + k * 2 + q) % 19) + Decimal("0.5")),
        }
        for u, (unit, *_) in enumerate(UNITS)
        for k, (ind, *_) in enumerate(INDICATORS[:3])
        for q in (1, 2)
    ]
    values.record_values(session, platform, bureau, rows, None, actor)
    for username, role, units in USERS:
        organisation.create_user(session, username, role, bureau, units, actor=actor)
    return organisation.create_token(session, "demo-admin", "demo", actor=actor)
