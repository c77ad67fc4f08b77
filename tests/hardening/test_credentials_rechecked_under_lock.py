"""A request is authenticated before its unit of work starts; a write checks its
principal again after taking the bureau's lock. Otherwise, on PostgreSQL, writes already
in flight when a token was revoked, a unit taken away or a session ended went on being
appended after that change (a probe saw 125 values appended after ``token.revoked``).

The tests hold a principal authenticated before the change, as an in-flight request
does, and write with it after the change committed."""

from __future__ import annotations

import pytest

from core.kernel.errors import Forbidden
from core.services import sessions, users, values
from core.services.context import Context
from tests.helpers import log_size, value_row


def in_flight(platform, world, role: str = "reporter") -> Context:
    """The context of a request authenticated now (before the change that follows)."""
    principal = users.authenticate(platform, world.tokens[("b1", role)])
    assert principal is not None
    return Context(platform, principal)


def test_a_revoked_token_writes_nothing_more(platform, world, system):
    ctx = in_flight(platform, world)
    values.record(ctx, "b1", [value_row(period="2026-Q1")])  # still good
    token_id = users.tokens(system, "b1", "b1-reporter")[0]["id"]
    users.revoke_token(system, "b1", "b1-reporter", token_id)
    size = log_size(platform, "b1")
    with pytest.raises(Forbidden, match="revoked"):
        values.record(ctx, "b1", [value_row(period="2026-Q2")])
    assert log_size(platform, "b1") == size


def test_a_unit_taken_away_is_refused_to_a_write_in_flight(platform, world, system):
    users.update(system, "b1", "b1-reporter", units=["u1", "u2"])
    ctx = in_flight(platform, world)
    assert ctx.principal.unit_ids and len(ctx.principal.unit_ids) == 2
    users.update(system, "b1", "b1-reporter", units=["u1"])
    size = log_size(platform, "b1")
    with pytest.raises(Forbidden):
        values.record(ctx, "b1", [value_row(unit="u2", period="2026-Q1")])
    assert log_size(platform, "b1") == size
    values.record(ctx, "b1", [value_row(unit="u1", period="2026-Q1")])  # still its own


def test_a_role_taken_away_is_refused_to_a_write_in_flight(platform, world, system):
    ctx = in_flight(platform, world, "bureau_admin")
    users.create_token(ctx, "b1", "b1-reporter")  # what a bureau admin may do
    users.update(system, "b1", "b1-bureau_admin", role="auditor")
    size = log_size(platform, "b1")
    with pytest.raises(Forbidden):
        users.create_token(ctx, "b1", "b1-reporter")
    assert log_size(platform, "b1") == size


def test_a_console_session_ended_writes_nothing_more(platform, world, system):
    users.create(system, "b1", "clerk", "reporter", ["u1"], password="correct horse 1")
    signed = sessions.sign_in(platform, "b1", "clerk", "correct horse 1", "127.0.0.1")
    resumed = sessions.resume(platform, signed.token)
    assert resumed is not None
    ctx = Context(platform, resumed.principal)
    values.record(ctx, "b1", [value_row(period="2026-Q1")])
    sessions.sign_out(platform, signed.token)
    size = log_size(platform, "b1")
    with pytest.raises(Forbidden, match="revoked or has expired"):
        values.record(ctx, "b1", [value_row(period="2026-Q2")])
    assert log_size(platform, "b1") == size


def test_revoking_a_token_again_records_nothing_more(platform, world, system):
    """A retried or repeated revocation answers as the first did (the token is revoked)
    and appends no second token.revoked entry (20 concurrent calls had made 20)."""
    token_id = users.tokens(system, "b1", "b1-reporter")[0]["id"]
    first = users.revoke_token(system, "b1", "b1-reporter", token_id)
    size = log_size(platform, "b1")
    again = users.revoke_token(system, "b1", "b1-reporter", token_id)
    assert again == first and log_size(platform, "b1") == size
