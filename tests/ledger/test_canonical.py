"""The canonical encoder is RFC 8785 (JCS) on every valid body; rfc8785 is the oracle."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ledger.verifier import MAX_SAFE_INT, CanonicalError, canonical_bytes

# Text including astral characters and characters above U+E000, where code-point and
# UTF-16 key order differ, and control characters that must be escaped.
text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), min_codepoint=0, max_codepoint=0x10FFFF),
    max_size=12,
)
scalars = st.none() | st.booleans() | st.integers(-MAX_SAFE_INT, MAX_SAFE_INT) | text
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(text, children, max_size=5),
    max_leaves=25,
)


@settings(max_examples=600, deadline=None)
@given(values)
def test_canonical_equals_rfc8785(value):
    assert canonical_bytes(value) == rfc8785.dumps(value)


def test_utf16_key_order_differs_from_code_points():
    value = {"\U0001f600": 1, "\uff08": 2}  # emoji (surrogates D83D…) sorts before U+FF08
    assert canonical_bytes(value) == rfc8785.dumps(value)
    assert canonical_bytes(value).decode().index("\U0001f600") < canonical_bytes(
        value
    ).decode().index("\uff08")


@pytest.mark.parametrize("bad", [1.5, 2**53, -(2**53), {"a": [0.1]}, {1: "x"}, b"x", "\ud800"])
def test_values_outside_the_restricted_types_are_refused(bad):
    with pytest.raises(CanonicalError):
        canonical_bytes(bad)


@settings(max_examples=300, deadline=None)
@given(
    data=st.dictionaries(text, values, max_size=6),
    actor=text,
    kind=text,
    seq=st.integers(0, MAX_SAFE_INT),
    prev=st.none() | st.binary(min_size=32, max_size=32),
)
def test_assembled_body_equals_canonical_envelope(data, actor, kind, seq, prev):
    """The append path builds bodies around the canonical data; it must be the JCS bytes."""
    from core.ledger.store import BodyEncoder, Record

    ts = "2026-11-22T02:00:00.000000Z"
    envelope = {
        "v": 1,
        "log": "jixiao/t",
        "seq": seq,
        "prev": prev.hex() if prev else None,
        "ts": ts,
        "actor": actor,
        "kind": kind,
        "data": data,
    }
    body = BodyEncoder("jixiao/t", ts).encode(seq, prev, Record(kind, data, actor))
    assert body == rfc8785.dumps(envelope)


@pytest.mark.parametrize("bad", [{"x": 1.5}, {"x": [2**60]}, {1: "a"}, {"x": b"raw"}, {"x": {1}}])
def test_append_refuses_data_outside_the_restricted_types(bad):
    from core.ledger.store import _check_data

    with pytest.raises(CanonicalError):
        _check_data(bad)
