"""The canonical encoder is RFC 8785 (JCS) on every valid body; rfc8785 is the oracle."""

from __future__ import annotations

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from core.ledger.tlog import MAX_SAFE_INT, CanonicalError, canonical_bytes

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
# What the append path accepts: text a person can read back (no controls other than tab
# and newline, no bidi overrides; see core.kernel.text), short enough never to spell a
# mobile or ID-card number.
NONCHARACTERS = "".join(map(chr, range(0xFDD0, 0xFDF0))) + "".join(
    chr(plane << 16 | low) for plane in range(17) for low in (0xFFFE, 0xFFFF)
)
recordable = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs", "Cc"),
        blacklist_characters="\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
        + NONCHARACTERS,
        min_codepoint=0,
        max_codepoint=0x10FFFF,
    )
    | st.sampled_from("\t\n"),
    max_size=10,
)
recordable_scalars = (
    st.none() | st.booleans() | st.integers(-MAX_SAFE_INT, MAX_SAFE_INT) | recordable
)
recordable_values = st.recursive(
    recordable_scalars,
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(recordable, children, max_size=5)
    ),
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
    data=st.dictionaries(recordable, recordable_values, max_size=6),
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


@settings(max_examples=600, deadline=None)
@given(st.dictionaries(recordable, recordable_scalars, max_size=8))
def test_flat_data_fast_path_is_rfc8785(data):
    """Flat data (the common case) is encoded by orjson; it must still be JCS."""
    from core.ledger.store import data_text

    assert data_text(data).encode() == rfc8785.dumps(data)


@pytest.mark.parametrize(
    "bad",
    [{"x": 1.5}, {"x": float("nan")}, {"x": 2**53}, {1: "a"}, {"x": "\ud800"}, {"x": (1, 2)}],
)
def test_the_fast_path_refuses_what_the_walk_refuses(bad):
    from core.kernel.errors import InvalidInput
    from core.ledger.store import BodyEncoder, Record

    with pytest.raises((CanonicalError, InvalidInput)):
        BodyEncoder("jixiao/t", "2026-11-22T02:00:00.000000Z").encode(0, None, Record("k", bad))


@pytest.mark.parametrize("prefix", ["", "\t", "编号", "\n"])
def test_the_fast_path_still_refuses_id_card_numbers(prefix):
    from core.kernel.privacy import PersonalDataError
    from core.ledger.store import data_text
    from core.services.demo import fictitious_id_card

    with pytest.raises(PersonalDataError):
        data_text({"note": prefix + fictitious_id_card(7)})


bodies = st.dictionaries(text, values, max_size=6).map(rfc8785.dumps)


@settings(max_examples=400, deadline=None)
@given(body=bodies, cut=st.integers(0, 40), extra=st.sampled_from([b" ", b"1.5", b"\\u0041", b""]))
def test_verdict_is_the_same_with_and_without_orjson(body, cut, extra):
    """The server verifies with orjson, the bundle's verify.py perhaps without: the same
    bytes must get the same verdict either way, canonical or not."""
    import json

    from core.ledger import tlog as verifier

    mutated = body[:cut] + extra + body[cut:]
    for candidate in (body, mutated):
        try:
            fast = verifier.parse_canonical(candidate)[1]
        except ValueError:
            fast = None
        saved, verifier._orjson = verifier._orjson, None
        try:
            try:
                slow = verifier.parse_canonical(candidate)[1]
            except ValueError:
                slow = None
        finally:
            verifier._orjson = saved
        assert fast == slow
        if candidate == body:
            assert fast is True and json.loads(candidate) is not None


@pytest.mark.parametrize(
    ("data", "field", "reason"),
    [
        ({"name": "办公室\x00"}, "name", "control character U+0000"),
        ({"rows": [{"note": "ok"}, {"note": "\u202egnp.exe"}]}, "rows[1].note", "bidirectional"),
        ({"n": "\udc80"}, "n", "lone surrogate"),
        ({"a\x07": 1}, "data", "a key contains the control character U+0007"),
    ],
)
def test_unreadable_text_is_refused_at_the_ledger_naming_the_path(data, field, reason):
    """The last line for every channel: nothing a person cannot read back is recorded."""
    from core.kernel.errors import InvalidInput
    from core.ledger.store import data_text

    with pytest.raises(InvalidInput) as caught:
        data_text(data)
    (error,) = caught.value.errors
    assert error.field == field and reason in error.reason
