"""The ledger (账本) for every channel: reading it, signing checkpoints (after proving
the head consistent with what was signed before), having them cosigned by independent
witnesses and time-stamped, proofs from tiles, the tiles themselves for monitors,
verification, audit bundles and replay.

**Order of a checkpoint.** Sign and anchor inside the bureau's unit of work (under its log
lock), commit; then, outside any transaction, ask the time-stamp authority and each
witness over HTTP; then store what they returned in a short follow-up transaction. A slow
or absent witness never holds a lock, and a checkpoint is never lost for want of a
cosignature: the next checkpoint is submitted with a consistency proof from whatever the
witness last cosigned.

**Configuration** (environment, ``JIXIAO_*``; see docs/auditing.md):

* ``JIXIAO_WITNESSES``: the witnesses, one a line, ``<submission URL> <verifier key>``
  (lines may also be separated by ``;``), or the path of a file of such lines; default
  ``<instance>/witnesses.txt`` if it exists. ``JIXIAO_WITNESS_TIMEOUT`` (seconds, 10).
* ``JIXIAO_MIN_WITNESSES``: cosignatures required before a bureau publishes results
  (default 0); a bureau may set its own in its ledger policy (:func:`set_policy`).
* ``JIXIAO_TSA_URL`` and ``JIXIAO_TSA_CERT`` (PEM file of the TSA's certificate): an RFC
  3161 time-stamp for every checkpoint.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from core.domain.access import Principal
from core.domain.assessment.standings import has_pending
from core.domain.events import EventLog
from core.domain.models import Bureau
from core.domain.replay import ReplayReport, compare, rebuild
from core.kernel.errors import Conflict, FieldError, Forbidden, NotFound, ServiceError, invalid
from core.kernel.numbers import MAX_SAFE_INT
from core.ledger import audit, bundle, checkpoints, proofs, tiles, witness
from core.ledger.cosignature import CosignatureVerifier
from core.ledger.models import POLICY_KIND, LedgerCheckpoint, LedgerEntry, LedgerLog
from core.ledger.notekeys import NoteError, NoteSignature, parse_signature_line
from core.ledger.store import PLATFORM_ORIGIN, lock_log, platform_log, suite_of
from core.ledger.suites import Suite
from core.ledger.tilestore import StoredTiles
from core.ledger.tlog import Checkpoint, Report, timestamp_hash
from core.plugin_api import PluginContext
from core.services.context import Context, Work
from core.services.platform import NotInitialised, Platform

Progress = Callable[[int], None] | None
log = logging.getLogger("jixiao.ledger")


def _log(work: Work) -> LedgerLog:
    return work.session.get(LedgerLog, work.bureau.log_id)


def _seq(value: object, field: str = "seq") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SAFE_INT:
        raise invalid(
            field,
            "须为台账序号：0 到 2^53−1 的整数 (a ledger seq: a whole number from 0 to 2^53−1)",
        )
    return value


def head(ctx: Context, bureau: str) -> dict[str, Any]:
    with ctx.reading(bureau, "ledger.read") as work:
        log_ = _log(work)
        last = checkpoints.latest(work.session, log_.id)
        return {
            "origin": log_.origin,
            "suite": log_.suite,
            "size": log_.size,
            "root": checkpoints.head_checkpoint(log_).root.hex(),
            "checkpoint": checkpoints.published_note(work.session, last) if last else None,
        }


def _entry_view(e: LedgerEntry) -> dict[str, Any]:
    return {
        "seq": e.seq,
        "kind": e.kind,
        "leaf_hash": bytes(e.leaf_hash).hex(),
        "body": bytes(e.body).decode("utf-8"),
    }


def entries(ctx: Context, bureau: str, start: object = 0, limit: object = 100) -> list[dict]:
    start = _seq(start, "start")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 1000:
        raise invalid("limit", "须在 1 到 1000 之间 (between 1 and 1000)")
    with ctx.reading(bureau, "ledger.read") as work:
        rows = work.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.log_id == work.bureau.log_id, LedgerEntry.seq >= start)
            .order_by(LedgerEntry.seq)
            .limit(limit)
        )
        return [_entry_view(e) for e in rows]


def entry(ctx: Context, bureau: str, seq: object) -> dict[str, Any]:
    seq = _seq(seq)
    with ctx.reading(bureau, "ledger.read") as work:
        found = work.session.get(LedgerEntry, (work.bureau.log_id, seq))
        if found is None:
            raise NotFound(
                f"没有第 {seq} 条记录 (no entry {seq})",
                [FieldError("seq", "没有此记录 (no such entry)")],
            )
        return _entry_view(found)


# --------------------------------------------------------------------------- configuration


def _setting(platform: Platform, key: str) -> str | None:
    """A ``JIXIAO_*`` setting: the platform's (overrides) or the environment's."""
    value = platform.settings.get(key)
    if value is None:
        value = os.environ.get(f"JIXIAO_{key}")
    return None if value is None or str(value).strip() == "" else str(value)


@dataclass(frozen=True)
class WitnessConfig:
    """A witness the platform submits checkpoints to: its URL and its verifier key."""

    url: str
    verifier: CosignatureVerifier

    @property
    def name(self) -> str:
        return self.verifier.name

    @property
    def key(self) -> tuple[str, str]:
        return self.verifier.name, self.verifier.key_id.hex()


def _config_error(name: str, reason: str) -> ServiceError:
    return invalid(f"JIXIAO_{name}", reason)


def witnesses(platform: Platform) -> list[WitnessConfig]:
    """The configured witnesses (``JIXIAO_WITNESSES`` or ``<instance>/witnesses.txt``)."""
    value = _setting(platform, "WITNESSES")
    default = platform.instance / "witnesses.txt"
    if value is None:
        if not default.is_file():
            return []
        value = str(default)
    if "\n" not in value and ";" not in value and Path(value).is_file():
        value = Path(value).read_text(encoding="utf-8")
    found = []
    for raw in value.replace(";", "\n").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) != 2 or not parts[0].startswith(("http://", "https://")):
            raise _config_error(
                "WITNESSES",
                f"{line!r}：应为 '<网址> <验证公钥>' ({line!r}: expected '<URL> <verifier key>')",
            )
        try:
            found.append(WitnessConfig(parts[0], CosignatureVerifier.parse(parts[1])))
        except NoteError as exc:
            raise _config_error("WITNESSES", f"{line!r}: {exc}") from exc
    return found


def _tsa_certificates(platform: Platform) -> list:
    path = _setting(platform, "TSA_CERT")
    if path is None:
        return []
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(Path(path).read_bytes())
    except (OSError, ValueError) as exc:
        raise _config_error(
            "TSA_CERT", f"无法读取时间戳证书 (cannot read the TSA certificate: {exc})"
        ) from exc


def trust(platform: Platform) -> audit.Trust:
    """What verification checks signatures against on this instance."""
    return audit.Trust(
        [s.verifier for s in platform.signers()],
        [w.verifier for w in witnesses(platform)],
        _tsa_certificates(platform),
    )


def _signers(platform: Platform, suite: Suite) -> list:
    found = platform.keys.signers(suite)
    if not found:
        raise NotInitialised(
            f"{platform.keys.directory} 中没有 {suite.name} 签名密钥，请运行 `jixiao init` "
            f"(no {suite.name} signing key in {platform.keys.directory}; run `jixiao init`)"
        )
    return found


# --------------------------------------------------------------------------- policy


@dataclass(frozen=True)
class Policy:
    """A bureau's ledger policy: its latest ``ledger.policy.set`` entry, else defaults."""

    min_witnesses: int | None = None
    """Cosignatures required before results are published (None: JIXIAO_MIN_WITNESSES)."""
    public: bool = False
    """Whether anyone may read the log's tiles without a token."""
    seq: int | None = None


def _policy(session: Session, log_id: int) -> Policy:
    # The literal condition lets both databases use the partial index on policy entries.
    body = session.scalar(
        select(LedgerEntry.body)
        .where(LedgerEntry.log_id == log_id, text(f"ledger_entries.kind = '{POLICY_KIND}'"))
        .order_by(LedgerEntry.seq.desc())
        .limit(1)
    )
    if body is None:
        return Policy()
    entry_ = json.loads(body)
    return Policy(entry_["data"]["min_witnesses"], entry_["data"]["public"], entry_["seq"])


def _default_min(platform: Platform) -> int:
    value = _setting(platform, "MIN_WITNESSES") or "0"
    if not value.isdigit():
        raise _config_error("MIN_WITNESSES", "须为见证人数（整数） (a whole number of witnesses)")
    return int(value)


def policy(ctx: Context, bureau: str) -> dict[str, Any]:
    """The bureau's ledger policy, with the platform defaults filled in."""
    with ctx.reading(bureau, "bureau.read") as work:
        found = _policy(work.session, work.bureau.log_id)
    return _policy_view(ctx.platform, found)


def _policy_view(platform: Platform, found: Policy) -> dict[str, Any]:
    return {
        "min_witnesses": (
            found.min_witnesses if found.min_witnesses is not None else _default_min(platform)
        ),
        "min_witnesses_override": found.min_witnesses,
        "public": found.public,
        "witnesses": [w.name for w in witnesses(platform)],
        "seq": found.seq,
    }


def set_policy(
    ctx: Context, bureau: str, min_witnesses: object = None, public: object = None
) -> dict[str, Any]:
    """Record the bureau's ledger policy (``ledger.policy.set``, in its own log): the
    witnesses required before publishing (None: the platform default) and whether its
    tiles are public. A field not given keeps its current value; giving neither is
    refused, and a policy that changes nothing records nothing (the log is the bureau's
    record of decisions, not of requests)."""
    if min_witnesses is None and public is None:
        raise invalid(
            "body",
            "请给出 min_witnesses 或 public (give min_witnesses, public or both)",
        )
    with ctx.writing(bureau, "bureau.manage") as work:
        current = _policy(work.session, work.bureau.log_id)
        if min_witnesses is None:
            min_witnesses = current.min_witnesses
        elif min_witnesses == "default":
            min_witnesses = None
        if min_witnesses is not None and (
            isinstance(min_witnesses, bool)
            or not isinstance(min_witnesses, int)
            or not 0 <= min_witnesses <= 64
        ):
            raise invalid(
                "min_witnesses",
                "须为 0 到 64 的整数，或 'default' (a whole number from 0 to 64, or 'default')",
            )
        if public is None:
            public = current.public
        if not isinstance(public, bool):
            raise invalid("public", "须为 true 或 false (true or false)")
        if (min_witnesses, public) == (current.min_witnesses, current.public):
            return _policy_view(ctx.platform, current)
        event = work.record(POLICY_KIND, {"min_witnesses": min_witnesses, "public": public})
        found = Policy(min_witnesses, public, event.seq)
    return _policy_view(ctx.platform, found)


def required_witnesses(ctx: Context, bureau: str) -> int:
    return policy(ctx, bureau)["min_witnesses"]


def witnessed(ctx: Context, bureau: str, size: object) -> tuple[list[str], list[str]]:
    """Which configured witnesses have cosigned a checkpoint of the bureau's log covering
    its first ``size`` entries (a checkpoint of that size or larger), and which have not.

    A witness cosigns only a checkpoint consistent with every one it cosigned before, so
    one cosignature at or beyond ``size`` vouches for those entries."""
    size = _seq(size, "size")
    configured = witnesses(ctx.platform)
    with ctx.reading(bureau, "bureau.read") as work:
        signed = checkpoints.cosigned_at_least(work.session, work.bureau.log_id, size)
    cosigners = sorted(w.name for w in configured if w.key in signed)
    missing = sorted(w.name for w in configured if w.key not in signed)
    return cosigners, missing


def require_witnessed(ctx: Context, bureau: str, size: object) -> list[str]:
    """Refuse (409, naming the witnesses that have not signed) unless the bureau's
    required number of witnesses cosigned a checkpoint covering ``size`` entries; returns
    the cosigners. What publishing a period's results calls first."""
    required = required_witnesses(ctx, bureau)
    cosigners, missing = witnessed(ctx, bureau, size)
    if len(cosigners) < required:
        pending = ", ".join(missing)
        reason = (
            f"需要 {required} 个见证签名，现有 {len(cosigners)} 个；"
            f"尚未签名：{pending or '（配置的见证人不足）'} "
            f"({required} witness cosignature(s) required, {len(cosigners)} present; "
            f"not yet signed by: {pending or '(too few witnesses configured)'})"
        )
        raise Conflict(
            f"见证签名不足，不能发布 (not enough witness cosignatures to publish): {reason}",
            [FieldError("witnesses", reason)],
        )
    return cosigners


# --------------------------------------------------------------------------- checkpoints


def _platform_log(ctx: Context, session: Session) -> EventLog:
    anchor = platform_log(session)
    return EventLog(session, anchor.id, None, ctx.principal.actor, ctx.platform.catalogue)


Made = list[tuple[int, int]]
"""(log id, size) of the checkpoints signed in a unit of work, to attest after commit."""


def sign(
    ctx: Context, session: Session, log_: LedgerLog, made: Made | None = None
) -> LedgerCheckpoint | None:
    """Checkpoint one log (under its lock): prove the head consistent with the last
    signed checkpoint and the platform's record of it, sign, and anchor it in the
    platform log. Returns the newest checkpoint (None for an empty log); the checkpoints
    signed are added to ``made``, for :func:`attest` once the transaction has committed."""
    log_ = lock_log(session, log_.id)
    last = checkpoints.latest(session, log_.id)
    if log_.size == 0 or (last is not None and last.size == log_.size):
        return last
    earlier = [checkpoints.stored(last, log_.origin)] if last else []
    if log_.origin != PLATFORM_ORIGIN:
        anchored = audit.latest_anchor(session, log_.origin)
        if anchored is not None:
            earlier.append(anchored)
    checkpoints.check_consistent(session, log_, earlier)
    row = checkpoints.sign_head(session, log_, _signers(ctx.platform, suite_of(log_)))
    if made is not None:
        made.append((log_.id, row.size))
    if log_.origin != PLATFORM_ORIGIN:
        anchor = _platform_log(ctx, session)
        anchor.record(
            "checkpoint.recorded",
            {"origin": log_.origin, "size": log_.size, "root": row.root.hex()},
        )
        platform = lock_log(session, anchor.log_id)
        checkpoints.check_consistent(session, platform, _stored_latest(session, platform))
        anchor_row = checkpoints.sign_head(
            session, platform, _signers(ctx.platform, suite_of(platform))
        )
        if made is not None:
            made.append((platform.id, anchor_row.size))
    return row


def _stored_latest(session: Session, log_: LedgerLog) -> list:
    last = checkpoints.latest(session, log_.id)
    return [checkpoints.stored(last, log_.origin)] if last else []


def _refused(ctx: Context, error: checkpoints.InconsistentLog) -> Conflict:
    """Record the refusal in the platform log (its own transaction: the checkpoint's
    was rolled back) and describe it to the caller."""
    _announce(
        ctx, error.origin, error.seq, error.last_seq, "inconsistent with checkpoint", error.detail
    )
    return Conflict(
        f"拒绝签署 {error.origin} 的检查点，已作为 ledger.verification_failed 记入平台台账 "
        f"(refused to sign a checkpoint of {error.origin}: {error.detail}; recorded as "
        "ledger.verification_failed in the platform log)",
        [FieldError("ledger", error.detail)],
    )


def checkpoint(ctx: Context, bureau: str) -> dict[str, Any]:
    """Sign a checkpoint of the bureau's log now (refused if the log was rewritten), then
    have it time-stamped and cosigned by the configured witnesses."""
    return _checkpoint(ctx, bureau, "ledger.checkpoint")


def _checkpoint(ctx: Context, bureau: str, permission: str) -> dict[str, Any]:
    made: Made = []
    try:
        with ctx.writing(bureau, permission) as work:
            row = sign(ctx, work.session, _log(work), made)
            log_id, size = work.bureau.log_id, row.size if row else 0
    except checkpoints.InconsistentLog as exc:
        raise _refused(ctx, exc) from exc
    attested = attest(ctx, made)
    note = None
    if size:
        with ctx.reading(bureau, "ledger.read") as work:
            row = work.session.get(LedgerCheckpoint, (log_id, size))
            note = checkpoints.published_note(work.session, row)
    return {"size": size, "note": note, **attested.get((log_id, size), {})}


def checkpoint_all(ctx: Context) -> list[dict[str, Any]]:
    """Checkpoint every bureau log that grew (the background checkpointer)."""
    made_rows, refused = [], []
    with ctx.platform_reading() as work:
        grown = [
            (log_.id, log_.origin)
            for log_ in work.session.scalars(
                select(LedgerLog).where(LedgerLog.origin != PLATFORM_ORIGIN, LedgerLog.size > 0)
            )
        ]
    for log_id, origin in grown:
        made: Made = []
        try:
            # Locks in the order every writer takes them: the bureau's log (sign takes
            # it first), then the platform's; taking the platform's first could
            # deadlock against a bureau closing a period on PostgreSQL.
            with ctx.platform_writing(lock=False) as work:
                log_ = work.session.get(LedgerLog, log_id)
                last = checkpoints.latest(work.session, log_id)
                if last is not None and last.size >= log_.size:
                    continue
                row = sign(ctx, work.session, log_, made)
                signed = {"origin": origin, "size": row.size, "root": row.root.hex()}
        except checkpoints.InconsistentLog as exc:
            refused.append(_refused(ctx, exc))
            continue
        attested = attest(ctx, made)
        with ctx.platform_reading() as work:
            row = work.session.get(LedgerCheckpoint, (log_id, signed["size"]))
            signed["note"] = checkpoints.published_note(work.session, row)
        made_rows.append({**signed, **attested.get((log_id, signed["size"]), {})})
    if refused:
        raise refused[0]
    return made_rows


# --------------------------------------------------------------------------- attestations


@dataclass
class _Pending:
    """A checkpoint waiting for its attestations (read before any network call)."""

    log_id: int
    origin: str
    suite: Suite
    size: int
    root: bytes
    note: str
    witness_sizes: dict[tuple[str, str], int] = field(default_factory=dict)


def attest(ctx: Context, made: Made) -> dict[tuple[int, int], dict[str, Any]]:
    """After commit: an RFC 3161 token from the configured TSA and cosignatures from the
    configured witnesses for each checkpoint in ``made``, stored in one follow-up
    transaction. Returns, per (log id, size), ``timestamp`` and ``witnesses`` outcomes.
    Failures are outcomes, not errors: the checkpoint stands either way."""
    configured = witnesses(ctx.platform)
    tsa_url = _setting(ctx.platform, "TSA_URL")
    if not made or (not configured and tsa_url is None):
        return {}
    with ctx.platform_reading() as work:
        pending = [_pending(work.session, log_id, size) for log_id, size in made]
    outcomes: dict[tuple[int, int], dict[str, Any]] = {}
    tokens, lines, refusals = {}, [], []
    for item in pending:
        outcome: dict[str, Any] = {}
        if tsa_url is not None:
            outcome["timestamp"], token = _timestamp(ctx.platform, tsa_url, item)
            if token is not None:
                tokens[(item.log_id, item.size)] = token
        if configured:
            outcome["witnesses"] = {}
            for w in configured:
                state, signature = _cosign(ctx, w, item)
                outcome["witnesses"][w.name] = state
                if signature is not None:
                    lines.append((item, signature))
                elif state.startswith("refused"):
                    refusals.append((item, w, state))
        outcomes[(item.log_id, item.size)] = outcome
    if tokens or lines:
        with ctx.platform.db.transaction() as session:
            for (log_id, size), token in tokens.items():
                checkpoints.add_timestamp(session, log_id, size, token)
            for item, signature in lines:
                checkpoints.add_cosignature(session, item.log_id, item.size, signature)
    for item, w, state in refusals:
        if item.origin != PLATFORM_ORIGIN:
            _announce(
                ctx,
                item.origin,
                0,
                item.size - 1,
                "refused by witness",
                f"witness {w.name} refused checkpoint {item.size}: {state}",
            )
    return outcomes


def _pending(session: Session, log_id: int, size: int) -> _Pending:
    log_ = session.get(LedgerLog, log_id)
    row = session.get(LedgerCheckpoint, (log_id, size))
    return _Pending(
        log_id,
        log_.origin,
        suite_of(log_),
        size,
        bytes(row.root),
        row.note,
        checkpoints.witness_sizes(session, log_id),
    )


def _timestamp(platform: Platform, url: str, item: _Pending) -> tuple[str, bytes | None]:
    from core.ledger import tsa

    text_ = Checkpoint(item.origin, item.size, item.root).text().encode("utf-8")
    try:
        request = tsa.build_request(text_, timestamp_hash(item.suite))
        stamp = tsa.verify_response(
            tsa.fetch(url, request, _timeout(platform)), request, _tsa_certificates(platform)
        )
    except (OSError, tsa.TimestampError, ServiceError) as exc:
        log.warning("%s %d: no time-stamp: %s", item.origin, item.size, exc)
        return f"failed: {exc}", None
    return f"time-stamped {stamp.gen_time.isoformat()}", stamp.token


def _timeout(platform: Platform) -> float:
    value = _setting(platform, "WITNESS_TIMEOUT") or "10"
    try:
        return float(value)
    except ValueError:
        raise _config_error("WITNESS_TIMEOUT", "须为秒数 (seconds)") from None


def _consistency(ctx: Context, item: _Pending, old: int) -> list[bytes]:
    if old in (0, item.size):
        return []
    with ctx.platform_reading() as work:
        log_ = work.session.get(LedgerLog, item.log_id)
        return proofs.consistency_proof(work.session, log_, old, item.size)[2]


def _cosign(ctx: Context, w: WitnessConfig, item: _Pending) -> tuple[str, NoteSignature | None]:
    """Submit the checkpoint to one witness (from the size it last cosigned; once more
    from the size it says it has, on 409); returns (outcome, verified cosignature).

    A witness that has cosigned a larger tree than this checkpoint is benign if the log
    has grown that far (another process's newer checkpoint got there first) and an alarm
    if it has not: the log lost entries a witness vouched for (a rollback)."""
    old = item.witness_sizes.get(w.key, 0)
    if old > item.size:
        return f"skipped: witness already cosigned size {old}", None
    retried = False
    while True:
        request = witness.AddCheckpointRequest(old, _consistency(ctx, item, old), item.note)
        try:
            response = witness.submit(w.url, request, _timeout(ctx.platform))
        except OSError as exc:
            log.warning("%s %d: witness %s unreachable: %s", item.origin, item.size, w.name, exc)
            return f"unreachable: {exc}", None
        if response.status == 200:
            return _accept(w, item, response.body)
        reported = witness.reported_size(response)
        if reported is not None and reported > item.size:
            return _ahead(ctx, w, item, reported)
        if reported is None or retried:
            break
        old, retried = reported, True
    detail = response.body.decode("utf-8", "replace").strip()
    state = f"{response.status} {detail}"
    if response.status in (404, 403):
        return f"not followed: {state}", None
    log.warning("%s %d: witness %s refused: %s", item.origin, item.size, w.name, state)
    return f"refused: {state}", None


def _ahead(
    ctx: Context, w: WitnessConfig, item: _Pending, reported: int
) -> tuple[str, NoteSignature | None]:
    with ctx.platform_reading() as work:
        now = work.session.get(LedgerLog, item.log_id).size
    if now >= reported:
        return f"skipped: witness already cosigned size {reported}", None
    state = (
        f"refused: the witness has cosigned {reported} entries, the log now has {now}: "
        "entries it vouched for are gone (rolled back or truncated)"
    )
    log.warning("%s %d: witness %s: %s", item.origin, item.size, w.name, state)
    return state, None


def _accept(w: WitnessConfig, item: _Pending, body: bytes) -> tuple[str, NoteSignature | None]:
    """The witness's cosignature line that verifies with its configured key."""
    text_ = Checkpoint(item.origin, item.size, item.root).text().encode("utf-8")
    for raw in body.decode("utf-8", "replace").splitlines():
        try:
            signature = parse_signature_line(raw)
        except NoteError:
            continue
        if (signature.name, signature.key_id) != (w.name, w.verifier.key_id):
            continue
        if w.verifier.verify(text_, signature.signature):
            return "cosigned", signature
    log.warning("%s %d: witness %s sent no valid cosignature", item.origin, item.size, w.name)
    return "refused: the answer held no valid cosignature by its key", None


# --------------------------------------------------------------------------- proofs


def proof(ctx: Context, bureau: str, seq: object) -> dict[str, Any]:
    """Inclusion proof of one entry against a signed checkpoint (checked offline with
    ``verify.py --proof``); a checkpoint is signed now if none covers the entry yet."""
    seq = _seq(seq)
    doc = _proof_document(ctx, bureau, seq)
    if doc is None:
        _checkpoint(ctx, bureau, "ledger.read")
        doc = _proof_document(ctx, bureau, seq)
    return doc


def _proof_document(ctx: Context, bureau: str, seq: int) -> dict[str, Any] | None:
    with ctx.reading(bureau, "ledger.read") as work:
        log_ = _log(work)
        found = work.session.get(LedgerEntry, (log_.id, seq))
        if found is None:
            raise NotFound(
                f"{log_.origin} 没有第 {seq} 条记录 ({log_.origin} has no entry {seq})",
                [FieldError("seq", "没有此记录 (no such entry)")],
            )
        cp = work.session.scalar(
            select(LedgerCheckpoint)
            .where(LedgerCheckpoint.log_id == log_.id, LedgerCheckpoint.size > seq)
            .order_by(LedgerCheckpoint.size.desc())
            .limit(1)
        )
        if cp is None:
            return None
        note = checkpoints.published_note(work.session, cp)
        return proofs.inclusion_document(work.session, log_, found, cp, note)


def consistency(ctx: Context, bureau: str, first: object, second: object) -> dict[str, Any]:
    first, second = _seq(first, "from"), _seq(second, "to")
    with ctx.reading(bureau, "ledger.read") as work:
        log_ = _log(work)
        if not 0 < first <= second <= log_.size:
            raise invalid(
                "from", f"须满足 0 < from <= to <= {log_.size} (need 0 < from <= to <= {log_.size})"
            )
        root1, root2, path = proofs.consistency_proof(work.session, log_, first, second)
        return {
            "origin": log_.origin,
            "from": first,
            "to": second,
            "root1": base64.b64encode(root1).decode(),
            "root2": base64.b64encode(root2).decode(),
            "proof": [base64.b64encode(p).decode() for p in path],
        }


def public_keys(platform: Platform) -> list[str]:
    """Verifier keys of this instance (note format; Ed25519 for sha256-ed25519 logs, SM2
    for sm3-sm2 logs): public, and to be published out of band too, so they need no
    caller."""
    return [str(s.verifier) for s in platform.signers()]


# --------------------------------------------------------------------------- tiles


class TokenRequired(ServiceError):
    """A log that is not public, asked for without a token."""

    status = 401
    title = "Unauthorized"


@dataclass(frozen=True)
class TileResponse:
    """What a tiles endpoint answers: bytes, their type, and whether they never change."""

    data: bytes
    content_type: str
    immutable: bool


@contextmanager
def _tile_reading(
    platform: Platform, principal: Principal | None, bureau: str
) -> Iterator[tuple[Session, LedgerLog]]:
    """A read of a bureau's log for the tiles: a principal's with ``ledger.read``, or
    anyone's if the bureau made its log public (ledger policy); 401 without a token for
    any other log (also for unknown codes, so they cannot be probed anonymously)."""
    refused: ServiceError | None = None
    if principal is not None:
        stack = ExitStack()
        try:
            work = stack.enter_context(Context(platform, principal).reading(bureau, "ledger.read"))
        except (NotFound, Forbidden) as exc:
            stack.close()
            work, refused = None, exc
        if work is not None:
            with stack:
                yield work.session, _log(work)
            return
    with platform.db.read_sessions() as session, session.begin():
        found = None
        if isinstance(bureau, str) and len(bureau) <= 64:
            found = session.scalar(select(Bureau).where(Bureau.code == bureau))
        if found is not None and _policy(session, found.log_id).public:
            yield session, session.get(LedgerLog, found.log_id)
            return
    if refused is not None:  # not the principal's to read, and not public
        raise refused
    raise TokenRequired(
        "此台账不公开：需要具有 ledger.read 权限的持有者令牌 "
        "(this log is not public: a bearer token with ledger.read is required "
        "(Authorization: Bearer jx_…))"
    )


def _served_size(session: Session, log_: LedgerLog) -> LedgerCheckpoint:
    last = checkpoints.latest(session, log_.id)
    if last is None:
        raise NotFound(f"{log_.origin} 尚无检查点 ({log_.origin} has no checkpoint yet)")
    return last


def tile_checkpoint(platform: Platform, principal: Principal | None, bureau: str) -> TileResponse:
    """The log's newest checkpoint with its cosignatures (tlog-tiles ``/checkpoint``)."""
    with _tile_reading(platform, principal, bureau) as (session, log_):
        note = checkpoints.published_note(session, _served_size(session, log_))
    return TileResponse(note.encode("utf-8"), "text/plain; charset=utf-8", False)


def tile(platform: Platform, principal: Principal | None, bureau: str, path: str) -> TileResponse:
    """A tile or entry bundle (``tile/<L>/<N>[.p/<W>]``, ``tile/entries/<N>[.p/<W>]``)
    of the tree at the newest checkpoint, or of any size below it (content never
    changes: a partial tile of width W is the first W hashes of the full one)."""
    try:
        ref = tiles.parse_path(path)
    except tiles.TileError as exc:
        raise NotFound(f"没有此瓦片 (no such tile: {exc})", [FieldError("path", str(exc))]) from exc
    with _tile_reading(platform, principal, bureau) as (session, log_):
        size = _served_size(session, log_).size
        level = ref.level if isinstance(ref, tiles.Tile) else 0
        if (ref.index * tiles.TILE_WIDTH + ref.width) > tiles.level_count(size, level):
            raise NotFound(
                f"{path} 超出最新检查点（{size} 条记录） "
                f"({path} is beyond the newest checkpoint ({size} entries))"
            )
        if isinstance(ref, tiles.Tile):
            data = StoredTiles(session, log_.id, suite_of(log_).hasher, log_.size)(
                ref.level, ref.index, ref.width
            )
            return TileResponse(data, "application/octet-stream", True)
        first = ref.index * tiles.TILE_WIDTH
        bodies = session.scalars(
            select(LedgerEntry.body)
            .where(
                LedgerEntry.log_id == log_.id,
                LedgerEntry.seq >= first,
                LedgerEntry.seq < first + ref.width,
            )
            .order_by(LedgerEntry.seq)
        ).all()
    try:
        data = tiles.encode_bundle([bytes(b) for b in bodies])
    except tiles.TileError as exc:
        raise Conflict(
            f"{path} 无法作为 tlog-tiles 记录包提供，请通过 "
            "/api/v1/bureaus/<bureau>/ledger/entries 读取这些记录 "
            f"({path} cannot be served as a tlog-tiles entry bundle ({exc}); read those "
            "entries through /api/v1/bureaus/<bureau>/ledger/entries)",
            [FieldError("path", str(exc))],
        ) from exc
    return TileResponse(data, "application/octet-stream", True)


# --------------------------------------------------------------------------- verification


def _announce(
    ctx: Context, origin: str, seq: int, last_seq: int | None, reason: str, detail: str
) -> None:
    """``ledger.verification_failed`` in the platform log (never in the suspect log:
    its head may disagree with its rows), delivered to that bureau's subscribers."""
    code = origin.split("/", 1)[1]
    with ctx.platform_writing() as work:
        session = work.session
        anchor = _platform_log(ctx, session)
        anchor.listeners = [
            lambda s, _, events: ctx.platform.plugins.listen(
                [], lambda plugin: PluginContext(plugin, code, {}, session=s), events
            )
        ]
        anchor.record(
            "ledger.verification_failed",
            {
                "bureau": code,
                "origin": origin,
                "first_bad_seq": seq,
                "last_bad_seq": last_seq,
                "reason": reason,
                "detail": detail,
            },
        )


def verify(ctx: Context, bureau: str | None = None, progress: Progress = None) -> dict[str, Any]:
    """Re-hash every entry and check every signed checkpoint (and the platform anchors,
    the stored cosignatures and time-stamps); each failed log is recorded as
    ``ledger.verification_failed``."""
    keys = trust(ctx.platform)
    if bureau is not None:
        with ctx.reading(bureau, "ledger.verify") as work:
            origin = _log(work).origin
            reports = audit.verify_all(work.session, keys, origin, progress)
    else:
        with ctx.platform_reading() as work:
            work.require_platform_admin()
            reports = audit.verify_all(work.session, keys, None, progress)
    for report in reports:
        if not report.ok and report.origin != PLATFORM_ORIGIN:
            f = report.finding
            _announce(ctx, report.origin, f.seq, f.last_seq, f.reason, f.detail)
    return {"ok": all(r.ok for r in reports), "logs": [r.as_dict() for r in reports]}


def export(ctx: Context, bureau: str, output: str | Path) -> dict[str, Any]:
    """Write an offline audit bundle (checkpointing first, which refuses a rewritten
    log, and collecting the witnesses' cosignatures); verifiable without the server or
    database."""
    if Path(output).exists():
        raise Conflict(
            f"{output} 已存在，请另选路径 ({output} exists; choose a new path)",
            [FieldError("output", "已存在 (exists)")],
        )
    checkpoint(ctx, bureau)
    verifiers = [s.verifier for s in ctx.platform.signers()]
    with ctx.reading(bureau, "ledger.read") as work:
        try:
            return bundle.export(work.session, _log(work), verifiers, output)
        except FileExistsError as exc:
            raise Conflict(str(exc), [FieldError("output", "已存在 (exists)")]) from exc


def replay_check(ctx: Context, progress: Progress = None) -> ReplayReport:
    """Rebuild every projection from the ledger alone (results recomputed on the
    rebuild) and compare with the live tables."""
    from core.services.rebuild import rebuilt_results

    with ctx.platform_reading() as work:
        work.require_platform_admin()
        waiting = [
            b.code for b in work.session.scalars(select(Bureau)) if has_pending(work.session, b)
        ]
    for code in waiting:  # the live results, brought up to date, are what is compared
        ctx.catch_up(code)
    with ctx.platform_reading() as work:
        scratch = rebuild(work.session, ctx.platform.catalogue, progress)
        try:
            rebuilt_results(ctx, scratch)
            return compare(work.session, scratch)
        finally:
            scratch.close()


__all__ = ["Report"]
