"""Ratings by role (D-13) and by experts drawn onto a panel (D-14); expert panels.

A rater rates a subject once per (indicator, period); changing a rating is a correction
naming the current rating's seq, and a rating can be withdrawn. Experts rate only as
``expert``, as themselves, and only where they were drawn onto the indicator's panel: the
command line and the API cannot rate "as" an expert on their behalf.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from core.domain.cycles import get_cycle
from core.domain.inputs.targets import Target, resolve
from core.domain.inputs.values import check_correction, seq_field
from core.domain.models import ExpertPanel, Rating, User
from core.domain.organisation import check_code, get_indicator
from core.domain.work import BureauWork
from core.kernel.errors import (
    Conflict,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    invalid,
    validate_rows,
)
from core.kernel.numbers import as_text, parse_decimal
from core.kernel.text import NOTE_MAX, REASON_MAX, check_text
from core.ledger.store import Record
from core.plugin_api import RATER_ROLES, Event

RATING_MAX = 100
DRAW_ALGORITHM = "sha256-rank-v1"
EXPERT = "expert"


def number_in(row: dict, name: str, low: int, high: int) -> str:
    """A decimal field within [low, high], as recorded text."""
    try:
        value = parse_decimal(row.get(name))
    except ValueError as exc:
        raise invalid(name, str(exc)) from exc
    if not low <= value <= high:
        raise invalid(name, f"须在 {low} 至 {high} 之间 (must be between {low} and {high})")
    return as_text(value)


def _rater(work: BureauWork, row: dict, role: str) -> str:
    """Who rated. A user rates as themselves; the system (a transcribed paper form)
    names the rater. An expert rating always comes from the expert's own account."""
    principal = work.principal
    given = row.get("rater")
    if principal.is_system:
        if role == EXPERT:
            raise Forbidden(
                "专家须本人提交评分 (an expert submits their own ratings)",
                [
                    FieldError(
                        "rater",
                        "请以该专家身份登录 (sign in as the expert (CLI: jixiao --as USER …))",
                    )
                ],
            )
        if given in (None, ""):
            raise invalid(
                "rater",
                "请填写评分人（代录的评分须注明评分人） "
                "(name who rated (a transcribed rating needs a rater))",
            )
        return check_text("rater", given, 100)
    if principal.role == EXPERT and role != EXPERT:
        raise Forbidden(
            "专家只能以专家身份评分 (an expert rates as expert)",
            [FieldError("role", "须为 expert (must be expert)")],
        )
    if role == EXPERT and principal.role != EXPERT:
        raise Forbidden(
            "只有专家才能给出专家评分 (only experts give expert ratings)",
            [FieldError("role", "不是专家 (not an expert)")],
        )
    if given not in (None, "", principal.username) and (role == EXPERT or principal.role == EXPERT):
        raise Forbidden(
            "专家只能以本人名义评分 (an expert rates as themselves)",
            [FieldError("rater", "须为您本人 (must be you)")],
        )
    return check_text("rater", given or principal.username, 100)


def _check_panel(work: BureauWork, target: Target, rater: str, appeal: str | None) -> None:
    panel = work.session.get(ExpertPanel, (target.cycle.id, target.indicator.id))
    if panel is None:
        raise Conflict(
            "尚未抽取专家组 (no expert panel drawn)",
            [FieldError("indicator", "请先为此指标抽取专家组 (draw a panel for it first)")],
        )
    if rater not in panel.members.split(","):
        raise Forbidden(
            "不在专家组中 (not on the panel)",
            [
                FieldError(
                    "rater",
                    f"{rater} 未被抽中（第 {panel.seq} 条） "
                    f"({rater} was not drawn (seq {panel.seq}))",
                )
            ],
        )
    if panel.closed_seq is not None and appeal is None:
        raise Conflict(
            "专家评分已结束 (the panel is closed)",
            [
                FieldError(
                    "indicator",
                    f"专家评分已结束 (the panel closed at seq {panel.closed_seq}: its ratings "
                    "are final; an appeal can correct one)",
                )
            ],
        )


def current_rating(work: BureauWork, target: Target, rater: str) -> Rating | None:
    return work.session.get(Rating, (*target.key, rater))


def submit_ratings(
    work: BureauWork, rows: Sequence[dict[str, Any]], appeal: str | None = None
) -> list[Event]:
    """Ratings by role (D-13): all rows or none. A rater's second rating of the same
    subject, indicator and period must name the first in ``corrects``."""
    pending: dict[tuple, int] = {}

    def validate(number: int, row: dict) -> dict:
        target = resolve(work, row, number)
        role = row.get("role")
        if role not in RATER_ROLES:
            roles = ", ".join(RATER_ROLES)
            raise invalid("role", f"须为以下之一：{roles} (one of {roles})")
        rater = _rater(work, row, role)
        if role == EXPERT:
            _check_panel(work, target, rater, appeal)
        key = (*target.key, rater)
        if key in pending:
            raise invalid(
                "rater",
                f"与第 {pending[key]} 行的评分人和对象相同 "
                f"(the same rater and target as row {pending[key]})",
            )
        pending[key] = number
        found = current_rating(work, target, rater)
        corrects = seq_field(row, "corrects")
        check_correction(found.seq if found else None, corrects, "rating")
        data: dict[str, Any] = target.data()
        data.update(role=role, rater=rater, score=number_in(row, "score", 0, RATING_MAX))
        comment = check_text(
            "comment", row.get("comment"), NOTE_MAX, required=False, multiline=True
        )
        if comment:
            data["comment"] = comment
        if corrects is not None:
            data["corrects"] = corrects
        if appeal:
            data["appeal"] = appeal
        return data

    datas = validate_rows(rows, validate)
    return work.log.record_many([Record("rating.submitted", d, work.actor) for d in datas])


def withdraw_rating(work: BureauWork, row: dict[str, Any], appeal: str | None = None) -> Event:
    """Withdraw a rating (it then counts as not given), naming its seq."""
    target = resolve(work, row)
    rater = check_text("rater", row.get("rater"), 100)
    withdraws = seq_field(row, "withdraws", required=True)
    found = current_rating(work, target, rater)
    if found is None or found.seq != withdraws:
        current = f"the current rating by {rater} is seq {found.seq}" if found else "none"
        current_zh = f"{rater} 的现行评分是第 {found.seq} 条" if found else "没有现行评分"
        raise Conflict(
            f"无法撤回第 {withdraws} 条：{current_zh} (cannot withdraw seq {withdraws}: {current})",
            [
                FieldError(
                    "withdraws", "不是该评分人的现行评分 (not the current rating of that rater)"
                )
            ],
        )
    if work.principal.role == EXPERT and rater != work.principal.username:
        raise Forbidden("专家只能撤回本人的评分 (an expert withdraws only their own rating)")
    data: dict[str, Any] = target.data()
    data.update(
        rater=rater,
        withdraws=withdraws,
        reason=check_text("reason", row.get("reason"), REASON_MAX, multiline=True),
    )
    if appeal:
        data["appeal"] = appeal
    return work.log.record("rating.withdrawn", data)


# --------------------------------------------------------------------------- panels


def draw(pool: Sequence[str], size: int, seed: str) -> list[str]:
    """The reproducible draw (D-14): rank the pool by SHA-256(seed ‖ ":" ‖ member) and
    take the first ``size``. Anyone with the seed and pool from the ledger can redo it
    with nothing but SHA-256."""
    key = lambda m: hashlib.sha256(f"{seed}:{m}".encode()).hexdigest()  # noqa: E731
    return sorted(sorted(set(pool), key=key)[:size])


def expert_users(work: BureauWork) -> list[str]:
    return sorted(
        work.session.scalars(
            select(User.username).where(User.bureau_id == work.bureau.id, User.role == EXPERT)
        )
    )


def draw_panel(
    work: BureauWork,
    cycle_code: str,
    indicator_code: str,
    size: object,
    pool: Sequence[str] | None = None,
    seed: str | None = None,
    reason: object = None,
) -> tuple[Event, list[str]]:
    """Draw ``size`` experts from the pool (default: the bureau's expert users) and
    record pool, seed and members. A new draw for the same indicator replaces the panel
    (the earlier draw stays on the record) only with a ``reason``, recorded with the seq
    it replaces, and only before the panel's experts have rated: drawing again until
    the wanted experts come up would make the draw a choice."""
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    indicator = get_indicator(work.session, work.bureau, indicator_code)
    drawn = work.session.get(ExpertPanel, (cycle.id, indicator.id))
    if drawn is not None and drawn.closed_seq is not None:
        raise Conflict(
            "专家评分已结束 (the panel is closed)",
            [
                FieldError(
                    "indicator",
                    f"已于第 {drawn.closed_seq} 条结束，不再重新抽取 "
                    f"(closed at seq {drawn.closed_seq}: it is not redrawn)",
                )
            ],
        )
    experts = expert_users(work)
    errors = []
    if pool is not None and (
        not isinstance(pool, list) or not all(isinstance(p, str) for p in pool)
    ):
        raise invalid("pool", "须为专家用户名列表 (a list of expert usernames)")
    if pool is not None and not pool:  # an empty pool is empty, not "every expert"
        raise invalid("pool", "专家库中没有可抽取的专家 (the pool given has no experts)")
    pool = sorted(set(pool)) if pool else experts
    unknown = sorted(set(pool) - set(experts))
    if unknown:
        names = ", ".join(unknown)
        errors.append(
            FieldError(
                "pool", f"不是本局的专家用户：{names} (not expert users of the bureau: {names})"
            )
        )
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= len(pool):
        errors.append(
            FieldError(
                "size",
                f"须在 1 到专家库的 {len(pool)} 人之间 "
                f"(between 1 and the pool's {len(pool)} experts)",
            )
        )
    why = check_text("reason", reason, REASON_MAX, required=False, multiline=True)
    if drawn is not None and not why:
        errors.append(
            FieldError(
                "reason",
                f"已于第 {drawn.seq} 条抽取过专家组：重新抽取须说明原因 "
                f"(a panel was drawn at seq {drawn.seq}: a redraw must give a reason)",
            )
        )
    if errors:
        raise InvalidInput(
            "无法抽取专家组，未写入任何数据 (cannot draw the panel; nothing was written)", errors
        )
    if drawn is not None:
        _not_rated_yet(work, drawn, cycle, indicator.id)
    seed = check_code(seed, "seed") if seed is not None else secrets.token_hex(16)
    members = draw(pool, size, seed)
    data = {
        "cycle": cycle.code,
        "indicator": indicator.code,
        "pool": pool,
        "size": size,
        "seed": seed,
        "algorithm": DRAW_ALGORITHM,
        "members": members,
    }
    if drawn is not None:
        data["replaces"] = drawn.seq
    if why:
        data["reason"] = why
    return work.log.record("panel.drawn", data), members


def _not_rated_yet(work: BureauWork, drawn: ExpertPanel, cycle: Any, indicator_id: int) -> None:
    """Conflict once an expert of the panel ``drawn`` has rated for it."""
    rated = work.session.scalar(
        select(Rating.seq)
        .where(
            Rating.indicator_id == indicator_id,
            Rating.period_id.in_([p.id for p in cycle.periods]),
            Rating.role == EXPERT,
            Rating.rater.in_(drawn.members.split(",")),
        )
        .limit(1)
    )
    if rated is not None:
        raise Conflict(
            "专家组已开始评分，不再重新抽取 (the panel's experts have started rating: it is "
            "not redrawn)",
            [
                FieldError(
                    "indicator",
                    f"第 {rated} 条起已有专家评分；如需更换专家，请由其撤回评分后再抽取 "
                    f"(rated from seq {rated} on; to change experts, their ratings are "
                    "withdrawn first)",
                )
            ],
        )


def close_panel(
    work: BureauWork, cycle_code: object, indicator_code: object, reason: object = None
) -> Event:
    """Close a panel (D-14): its experts' ratings become final, and visible to the
    panel's experts (until now each saw only their own). A closed panel is not redrawn."""
    panel = find_panel(work, cycle_code, indicator_code)
    if panel.closed_seq is not None:
        raise Conflict(
            "专家评分已结束 (the panel is already closed)",
            [
                FieldError(
                    "indicator",
                    f"已于第 {panel.closed_seq} 条结束 (closed at seq {panel.closed_seq})",
                )
            ],
        )
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    indicator = get_indicator(work.session, work.bureau, indicator_code)
    data: dict[str, Any] = {"cycle": cycle.code, "indicator": indicator.code}
    text = check_text("reason", reason, REASON_MAX, required=False, multiline=True)
    if text:
        data["reason"] = text
    return work.log.record("panel.closed", data)


def find_panel(work: BureauWork, cycle_code: str, indicator_code: str) -> ExpertPanel:
    cycle = get_cycle(work.session, work.bureau, cycle_code)
    indicator = get_indicator(work.session, work.bureau, indicator_code)
    panel = work.session.get(ExpertPanel, (cycle.id, indicator.id))
    if panel is None:
        raise NotFound(
            "尚未抽取专家组 (no panel drawn)",
            [FieldError("indicator", "此指标没有专家组 (no panel for it)")],
        )
    return panel
