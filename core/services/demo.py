"""The demo bureau created by ``jixiao init --demo``: enough to click through every screen.

A county statistics-style bureau with units in two assessment groups (D-03), a
supervising department with two subordinate institutions (D-15), the five dimensions of
the default scheme as indicators (D-02), a 2026 cycle with quarters, a few dozen values,
staff with (fictitious) identifiers, and one user per role.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import yaml

from core.kernel.privacy import ID_CHECK, ID_WEIGHTS
from core.services import (
    assessment,
    bureaus,
    cycles,
    indicators,
    people,
    schemes,
    units,
    users,
    values,
)
from core.services.context import Context
from core.services.platform import Platform

DEMO_BUREAU = "demo"
EXAMPLES = Path(__file__).parents[1] / "domain" / "assessment" / "examples"

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
    ("evaluation360", "多维评价", "360-degree evaluation", "分"),
    ("goal_review", "目标认定评分", "Goal recognition rating", "分"),
    ("major_incident", "重大安全事故", "Major safety incidents", "起"),
]
SCHEMES = ("five-dimension.yaml", "service-institutions.yaml")
RATERS = (
    "superior",
    "service_recipient",
    "service_recipient",
    "service_recipient",
    "third_party",
    "peer",
    "self",
)
USERS = [
    ("demo-admin", "bureau_admin", []),
    ("demo-reporter", "reporter", ["service", "data"]),
    ("demo-reviewer", "reviewer", []),
    ("demo-expert", "expert", []),
    ("demo-expert2", "expert", []),
    ("demo-expert3", "expert", []),
    ("demo-auditor", "auditor", []),
]


def fictitious_id_card(serial: int) -> str:
    """A well-formed but made-up resident ID number (valid check digit)."""
    body = f"110105199003{serial % 28 + 1:02d}{serial % 1000:03d}"
    total = sum(int(d) * w for d, w in zip(body, ID_WEIGHTS, strict=True))
    return body + ID_CHECK[total % 11]


def create_demo(platform: Platform) -> str:
    """Create the demo bureau through the services, acting as ``system:demo`` (and as
    each expert for their own ratings); returns the bureau admin's token."""
    ctx = Context.system(platform, "system:demo")
    b = DEMO_BUREAU
    bureaus.create(ctx, b, "示范局", "Demonstration Bureau")
    for code, name, name_en, parent, group in UNITS:
        units.create(ctx, b, code, name, name_en, parent, group)
    for code, name, name_en, measure in INDICATORS:
        indicators.create(ctx, b, code, name, name_en, measure)
    start, end = dt.date(2026, 1, 1), dt.date(2026, 12, 31)
    cycles.create(ctx, b, "2026", "2026年度考核", start, end, ["quarter", "year"])
    for i, (code, _, _, _, _) in enumerate(UNITS):
        people.create(
            ctx,
            b,
            f"p{i + 1:03d}",
            f"职工{i + 1}",
            code,
            {"id_card": fictitious_id_card(i + 1), "phone": f"1380000{i + 1:04d}"},
        )
    for username, role, assigned in USERS:
        users.create(ctx, b, username, role, assigned)
    for name in SCHEMES:
        doc = yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))
        schemes.import_scheme(ctx, b, "2026", doc, publish=True)
    values.record(ctx, b, _demo_values())
    _demo_assessment(ctx)
    return users.create_token(ctx, b, "demo-admin", "demo")["token"]


def _demo_values() -> list[dict]:
    """Quarterly task completion for everyone; annual figures for group A."""
    rows = [
        {
            "unit": unit,
            "indicator": "task_completion",
            "period": f"2026-Q{q}",
            "value": str(Decimal(85 + (u * 3 + q) % 15) + Decimal("0.5")),
        }
        for u, (unit, *_) in enumerate(UNITS)
        for q in (1, 2, 3, 4)
    ]
    for u, (unit, _, _, _, group) in enumerate(UNITS):
        if group == "A":
            rows += [
                {
                    "unit": unit,
                    "indicator": ind,
                    "period": "2026",
                    "value": str(80 + (u * 7 + k * 3) % 20),
                }
                for k, ind in enumerate(("quality", "satisfaction", "efficiency"))
            ]
        else:
            rows.append(
                {"unit": unit, "indicator": "major_incident", "period": "2026", "value": "0"}
            )
    return [{"cycle": "2026", **row} for row in rows]


def _demo_assessment(ctx: Context) -> None:
    """Ratings, an expert panel with the experts' own ratings, and a reviewer's
    deduction item."""
    b = DEMO_BUREAU
    group_b = [(u, unit) for u, (unit, _, _, _, group) in enumerate(UNITS) if group == "B"]
    assessment.submit_ratings(
        ctx,
        b,
        [
            {
                "unit": unit,
                "indicator": "evaluation360",
                "cycle": "2026",
                "period": "2026",
                "role": role,
                "rater": f"rater{r}",
                "score": str(75 + (u * 5 + r * 3) % 25),
            }
            for u, unit in group_b
            for r, role in enumerate(RATERS)
        ],
    )
    drawn = assessment.draw_panel(ctx, b, "2026", "goal_review", 3)
    for e, expert in enumerate(drawn["members"]):
        as_expert = Context(ctx.platform, users.principal_named(ctx.platform, expert, b))
        assessment.submit_ratings(
            as_expert,
            b,
            [
                {
                    "unit": unit,
                    "indicator": "goal_review",
                    "cycle": "2026",
                    "period": "2026",
                    "role": "expert",
                    "score": str(70 + (u * 11 + e * 7) % 30),
                }
                for u, unit in group_b
            ],
        )
    assessment.record_items(
        ctx,
        b,
        [
            {
                "unit": "office",
                "indicator": "management",
                "cycle": "2026",
                "period": "2026",
                "quantity": "1",
                "reason": "季度材料迟报 (quarterly report filed late)",
            }
        ],
    )
