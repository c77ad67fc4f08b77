"""Schema errors reach users Chinese first, whoever wrote the schema: marshmallow's own
default messages (every field type's, every validator's) are translated where schema
errors become field errors, in the API and in the services."""

from __future__ import annotations

import inspect
import re
from collections import defaultdict

import marshmallow
from marshmallow import Schema, fields, validate

from core.kernel.errors import field_errors
from core.kernel.library_messages import chinese_first

CJK = re.compile(r"[\u3400-\u9fff]")


FAILING = [
    (validate.Length(1, 3), "long"), (validate.Length(min=2), "a"), (validate.Length(max=1), "ab"),
    (validate.Length(equal=2), "a"), (validate.Range(1, 3), 5), (validate.Range(min=1), 0),
    (validate.Range(max=1), 5), (validate.Range(1, 3, min_inclusive=False), 1),
    (validate.Range(1, 3, max_inclusive=False), 3), (validate.OneOf(["a"]), "b"),
    (validate.Regexp("a"), "b"), (validate.Equal(1), 2), (validate.NoneOf([1]), 1),
    (validate.ContainsOnly(["a"]), ["b"]), (validate.ContainsNoneOf(["a"]), ["a"]),
    (validate.URL(), "x"), (validate.Email(), "x"),
]  # fmt: skip


def _defaults() -> list[str]:
    """Every default message of marshmallow's fields (placeholders filled in) and what
    each validator says when it refuses."""
    found = []
    filler = defaultdict(lambda: "x")
    for _, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            for message in getattr(cls, "default_error_messages", {}).values():
                found.append(message.format_map(filler))
    for validator, value in FAILING:
        try:
            validator(value)
        except marshmallow.ValidationError as exc:
            found.extend(exc.messages)
    found.append("Unknown field.")
    return sorted(set(found))


def test_every_default_message_of_marshmallow_is_chinese_first():
    english_only = [m for m in _defaults() if not CJK.search(chinese_first(m))]
    assert english_only == []


def test_a_translation_keeps_the_english_word_for_word():
    assert chinese_first("Not a valid date.") == "不是有效日期（YYYY-MM-DD） (Not a valid date.)"
    assert chinese_first("须为整数 (an integer)") == "须为整数 (an integer)"  # ours: unchanged


def test_a_schemas_errors_are_chinese_first_in_field_errors_and_the_api(client, world):
    class Body(Schema):
        day = fields.Date(required=True)
        name = fields.String(validate=validate.Length(min=1, max=3))

    errors = field_errors(Body().validate({"name": "long name"}))
    assert {e.field: e.reason for e in errors} == {
        "day": "必填 (Missing data for required field.)",
        "name": "长度超出范围 (Length must be between 1 and 3.)",
    }
    # the API's own parsing: an unknown field and a bad type in a core endpoint's body
    r = client.post(
        "/api/v1/bureaus/b1/values",
        json={"unit": "u1", "indicator": "i1", "cycle": "2026", "period": "2026-Q1",
              "value": "1", "colour": "red"},
        headers=world.headers("bureau_admin"),
    )  # fmt: skip
    assert r.status_code == 422
    assert all(CJK.search(e["reason"]) for e in r.json["errors"]), r.json
