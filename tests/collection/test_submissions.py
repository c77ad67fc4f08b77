"""The submission service: resubmitting a pre-filled form records only what changed;
several subjects' forms go in together or not at all; a stale form is refused."""

from __future__ import annotations

import pytest

from core.kernel.errors import ServiceError
from core.services import submissions
from core.services.submissions import Submission
from tests.helpers import log_size


def form(unit: str, i1, i2, **extra) -> Submission:
    rows = [{"indicator": "i1", "value": i1}, {"indicator": "i2", "value": i2}]
    return Submission("2026", "2026-Q1", {"unit": unit}, rows, **extra)


def test_a_resubmitted_form_records_only_what_changed(scheme_world, system, platform):
    first = submissions.submit_many(system, "b1", [form("u1", "95", 1)])[0]
    assert len(first["entries"]) == 2 and first["unchanged"] == []
    size = log_size(platform, "b1")
    again = submissions.submit_many(system, "b1", [form("u1", "95.0", "１")])[0]
    assert again["entries"] == [] and again["unchanged"] == [1, 2]
    assert log_size(platform, "b1") == size
    changed = submissions.submit_many(system, "b1", [form("u1", "96", 1)])[0]
    assert changed["unchanged"] == [2] and len(changed["entries"]) == 1


def test_several_forms_are_recorded_together_or_not_at_all(scheme_world, system, platform):
    size = log_size(platform, "b1")
    with pytest.raises(ServiceError) as refused:
        submissions.submit_many(system, "b1", [form("u1", "95", 1), form("u2", "九十", 0)])
    assert refused.value.submission == 2
    assert refused.value.detail.startswith("submission 2:")
    assert [(e.field, e.row) for e in refused.value.errors] == [("value", 1)]
    assert "不是有效数字" in refused.value.errors[0].reason
    assert log_size(platform, "b1") == size  # u1's form, valid, was not recorded either
    done = submissions.submit_many(system, "b1", [form("u1", "95", 1), form("u2", "90", 0)])
    assert [len(d["entries"]) for d in done] == [2, 2]


def test_a_form_for_another_scheme_version_is_refused(scheme_world, system, platform):
    size = log_size(platform, "b1")
    with pytest.raises(ServiceError) as refused:
        submissions.submit_many(system, "b1", [form("u1", "95", 1, scheme_version=7)])
    assert refused.value.errors[0].field == "scheme_version"
    assert refused.value.status == 409  # a stale form, as one whose figure changed meanwhile
    assert "第7版" in refused.value.errors[0].reason
    for bad in (True, "1", -1, 2**60):
        with pytest.raises(ServiceError):
            submissions.submit_many(system, "b1", [form("u1", "95", 1, scheme_version=bad)])
    for cycle, period in ((["2026"], "2026-Q1"), ("2026", {"q": 1}), ("2099", "2026-Q1")):
        with pytest.raises(ServiceError):
            submissions.submit_many(system, "b1", [Submission(cycle, period, {"unit": "u1"}, [])])
    assert log_size(platform, "b1") == size
