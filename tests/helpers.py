"""Test data builders shared by the suites."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from core.domain import cycles, organisation
from core.domain.access import ROLES
from core.domain.models import Bureau
from core.ledger.models import LedgerEntry, LedgerLog

BUREAUS = ("b1", "b2")


@dataclass
class World:
    tokens: dict[tuple[str | None, str], str] = field(default_factory=dict)

    def headers(self, role: str, bureau: str | None = "b1") -> dict[str, str]:
        key = (None, role) if role == "platform_admin" else (bureau, role)
        return {"Authorization": f"Bearer {self.tokens[key]}"}


def build_world(platform) -> World:
    world = World()
    with platform.db.transaction() as s:
        organisation.create_user(s, "root", "platform_admin", None)
        world.tokens[(None, "platform_admin")] = organisation.create_token(s, "root")
        for code in BUREAUS:
            b = organisation.create_bureau(s, platform, code, f"测试局{code}", f"Bureau {code}")
            organisation.create_unit(s, b, "u1", "办公室", "Office", group="A")
            organisation.create_unit(
                s, b, "u2", "服务中心", "Service centre", parent="u1", group="A"
            )
            organisation.create_unit(s, b, "u3", "法规科", "Legal section", group="B")
            organisation.create_indicator(s, b, "i1", "任务完成率", "Task completion", "%")
            organisation.create_indicator(s, b, "i2", "投诉件数", "Complaints", "件")
            cycles.create_cycle(
                s,
                b,
                "2026",
                "2026年度",
                dt.date(2026, 1, 1),
                dt.date(2026, 12, 31),
                ["quarter", "year"],
            )
            for role in ROLES[1:]:
                units = ["u1"] if role == "reporter" else []
                organisation.create_user(s, f"{code}-{role}", role, b, units)
                world.tokens[(code, role)] = organisation.create_token(s, f"{code}-{role}")
    return world


def log_size(platform, bureau: str) -> int:
    with platform.db.transaction() as s:
        b = s.scalar(select(Bureau).where(Bureau.code == bureau))
        return s.get(LedgerLog, b.log_id).size


def entries(platform, bureau: str) -> list[LedgerEntry]:
    with platform.db.transaction() as s:
        b = s.scalar(select(Bureau).where(Bureau.code == bureau))
        return list(
            s.scalars(
                select(LedgerEntry).where(LedgerEntry.log_id == b.log_id).order_by(LedgerEntry.seq)
            )
        )


def value_row(**overrides) -> dict:
    row = {"unit": "u1", "indicator": "i1", "cycle": "2026", "period": "2026-Q1", "value": "92.50"}
    row.update(overrides)
    return row
