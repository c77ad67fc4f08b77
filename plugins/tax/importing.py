"""Helpers for importers (D-42): rows exported by other systems (CSV, Excel) arrive as
dicts of text; these load them all-or-nothing with a marshmallow schema.

Shared by the ``tax`` and ``staffing_office`` importers (one copy, here); NEEDS.md
proposes them for ``core.plugin_api``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from marshmallow import Schema, ValidationError, fields


class SeparatedList(fields.List):
    """A list, or the same joined with ';' in one CSV cell (``a;b;c``)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        return super()._deserialize(value, attr, data, **kwargs)


def without_blanks(row: Any) -> Any:
    """CSV gives empty strings for empty cells: drop them so defaults apply."""
    if isinstance(row, Mapping):
        return {k: v for k, v in row.items() if v not in ("", None)}
    return row


def load_rows(schema: Schema, rows: Sequence[Mapping[str, Any]]) -> list[dict]:
    """Every row loaded, or ``ValidationError`` whose messages are keyed by row number
    (1-based, as a spreadsheet user counts) — nothing is returned unless all are valid."""
    loaded, errors = [], {}
    for number, row in enumerate(rows, start=1):
        try:
            loaded.append(schema.load(without_blanks(row)))
        except ValidationError as exc:
            errors[number] = exc.normalized_messages()
    if errors:
        raise ValidationError(errors)
    return loaded
