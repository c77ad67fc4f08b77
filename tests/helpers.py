"""Test data builders shared by the suites: everything goes through the services."""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from core.domain.access import ROLES
from core.domain.models import Bureau
from core.ledger.models import LedgerEntry, LedgerLog
from core.services import bureaus, cycles, indicators, units, users
from core.services.context import Context

ROOT = Path(__file__).parents[1]

BUREAUS = ("b1", "b2")


@dataclass
class World:
    tokens: dict[tuple[str | None, str], str] = field(default_factory=dict)

    def headers(self, role: str, bureau: str | None = "b1") -> dict[str, str]:
        key = (None, role) if role == "platform_admin" else (bureau, role)
        return {"Authorization": f"Bearer {self.tokens[key]}"}


def as_user(platform, username: str, bureau: str | None = "b1") -> Context:
    """The service context of a user (their permissions, their name as actor)."""
    from core.services.users import principal_named

    return Context(platform, principal_named(platform, username, bureau))


def build_world(platform) -> World:
    world = World()
    ctx = Context.system(platform, "system:test")
    users.create_platform_admin(ctx, "root")
    world.tokens[(None, "platform_admin")] = users.create_token(ctx, None, "root")["token"]
    for code in BUREAUS:
        bureaus.create(ctx, code, f"测试局{code}", f"Bureau {code}")
        units.create(ctx, code, "u1", "办公室", "Office", group="A")
        units.create(ctx, code, "u2", "服务中心", "Service centre", parent="u1", group="A")
        units.create(ctx, code, "u3", "法规科", "Legal section", group="B")
        indicators.create(ctx, code, "i1", "任务完成率", "Task completion", "%")
        indicators.create(ctx, code, "i2", "投诉件数", "Complaints", "件")
        cycles.create(
            ctx, code, "2026", "2026年度", dt.date(2026, 1, 1), dt.date(2026, 12, 31),
            ["quarter", "year"],
        )  # fmt: skip
        for role in ROLES[1:]:
            assigned = ["u1"] if role == "reporter" else []
            users.create(ctx, code, f"{code}-{role}", role, assigned)
            world.tokens[(code, role)] = users.create_token(ctx, code, f"{code}-{role}")["token"]
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


JIXIAO = [sys.executable, "-m", "core.cli"]
"""The command line as a separate process (tests of what an operator runs)."""


def demo_instance(folder: Path, **extra: str) -> dict[str, str]:
    """An embedded-SQLite instance in ``folder`` made by ``jixiao init --demo`` in a
    process of its own; returns the environment that points commands at it."""
    env = {**os.environ, "JIXIAO_INSTANCE_PATH": str(folder), **extra}
    env.pop("JIXIAO_DATABASE_URL", None)
    subprocess.run(
        [*JIXIAO, "init", "--demo"], env=env, check=True, cwd=ROOT, capture_output=True,
        timeout=120,
    )  # fmt: skip
    return env


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
