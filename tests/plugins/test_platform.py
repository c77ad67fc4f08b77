"""Sector plugins on a shared platform: installing for one bureau changes nothing for
another; uninstalling stops the plugin's hooks for that bureau, keeps its ledger
verifiable, and is refused while an open cycle's published scheme uses the plugin; and
bureaus of different sectors run side by side."""

from __future__ import annotations

import pytest

from core.kernel.errors import Conflict, NotFound
from core.services import evidence, ledger, plugins, templates, users
from tests.helpers import log_size
from tests.plugins.support import Office, cli, cli_json, verified
from tests.plugins.test_community_correction import HEADER
from tests.plugins.test_staffing_office import ROSTER
from tests.plugins.test_tax import FINDING, KINDS, POINTS_EXPORT, _full_marks


def _admin_headers(office: Office) -> dict[str, str]:
    users.create(office.ctx, office.code, f"{office.code}-admin", "bureau_admin")
    token = users.create_token(office.ctx, office.code, f"{office.code}-admin")["token"]
    return {"Authorization": f"Bearer {token}"}


def test_installing_for_one_bureau_changes_nothing_for_another(platform, client):
    other = Office(platform, "other")  # rules only
    other.units(("b1", "城南", "branch"))
    other.indicators(("tax_revenue", "税收收入完成率", "%"))
    size, listed = log_size(platform, "other"), templates.listing(other.ctx, "other")
    tax = Office(platform, "wz", ("rules", "tax"), cycle_kinds=KINDS)
    tax.template("tax")
    tax.units(("b1", "城南税务分局", "branch"))
    assert log_size(platform, "other") == size
    assert templates.listing(other.ctx, "other") == listed == []
    with pytest.raises(NotFound):
        plugins.settings(other.ctx, "other", "tax")
    # tax's core-indicator alert hears only its bureau: two quarters below 95 warn in wz
    rows = [{"unit": "b1", "indicator": "tax_revenue", "period": q, "value": "90"}
            for q in ("2026-Q1", "2026-Q2")]  # fmt: skip
    assert "core-indicator-alert" in {w["check"] for w in tax.values(rows)["warnings"]}
    assert "core-indicator-alert" not in {w["check"] for w in other.values(rows)["warnings"]}
    refused = cli("tax", "notice-list", "--bureau", "other", ok=False)
    assert refused.exit_code == 1 and "not installed" in refused.output
    headers = _admin_headers(other)
    assert (
        client.get("/api/v1/bureaus/other/plugins/tax/notices", headers=headers).status_code == 404
    )
    assert client.get("/api/v1/bureaus/wz/plugins/tax/notices",
                      headers=_admin_headers(tax)).status_code == 200  # fmt: skip


def test_uninstall_stops_the_hooks_keeps_the_ledger_and_waits_for_open_cycles(platform):
    tax = Office(platform, "wz", ("rules", "tax"), cycle_kinds=KINDS)
    tax.template("tax")
    with pytest.raises(Conflict) as refused:
        plugins.uninstall(tax.ctx, "wz", "tax")
    reasons = {e.reason for e in refused.value.errors}
    assert (
        "周期 2026 的方案 tax-branch 第 1 版使用了后处理 hard_indicator "
        "(scheme tax-branch v1 (cycle 2026) uses post-processor hard_indicator)"
    ) in reasons
    assert (
        "周期 2026 的方案 tax-section 第 1 版使用了结果类型 rectification_record "
        "(scheme tax-section v1 (cycle 2026) uses outcome type rectification_record)"
    ) in reasons
    assert "tax" in {p["name"] for p in plugins.installed(tax.ctx, "wz")}

    # a staffing office that kept its expert pool with the plugin, and only drafted the
    # template, may uninstall: the entries stay, verifiable; the hooks fall silent
    linyi = Office(platform, "linyi", ("rules", "staffing_office"))
    templates.import_template(linyi.ctx, "linyi", "staffing", "2026")  # drafts only
    linyi.units(("i4", "市自然资源综合执法支队", "enforcement"))  # e3 recuses from it
    linyi.users("expert", "e1", "e2", "e3", "e4", "e5", "e6")  # the pool's experts
    roster = platform.instance / "roster.csv"
    roster.write_text(ROSTER, "utf-8")
    cli("staffing_office", "experts-import", str(roster), "--bureau", "linyi")
    plugins.uninstall(linyi.ctx, "linyi", "staffing_office")
    assert templates.listing(linyi.ctx, "linyi") == []
    refused = cli("staffing_office", "experts", "--bureau", "linyi", ok=False)
    assert "not installed" in refused.output
    kinds = [e["kind"] for e in ledger.entries(linyi.ctx, "linyi", 0, 1000)]
    assert kinds.count("staffing.expert.added") == 6 and kinds[-1] == "plugin.uninstalled"
    verified(linyi)
    assert ledger.replay_check(linyi.ctx).ok
    # installed again, it finds its records where it left them
    plugins.install(linyi.ctx, "linyi", "staffing_office")
    assert len(cli_json("staffing_office", "experts", "--bureau", "linyi", "--on",
                        "2026-06-01", "--json")) == 6  # fmt: skip


def test_two_sectors_run_side_by_side_on_one_platform(platform):
    from core.services import imports

    tax = Office(platform, "wz", ("rules", "tax"), cycle_kinds=KINDS)
    cc = Office(platform, "wzsf", ("rules", "community_correction"))
    tax.template("tax")
    cc.template("community-correction")
    tax.units(("b1", "城南税务分局", "branch"), ("b2", "木渎税务分局", "branch"))
    cc.units(("sfs-changqiao", "长桥司法所", "sfs"))
    cc.people(("M1001", "张晓梅", "sfs-changqiao", "cc-worker"))
    tax.values(_full_marks("b1") + _full_marks("b2"))
    evidence.attach(tax.ctx, "wz", FINDING, "finding.txt", "text/plain", "b1")  # b1's D21
    points = "\n".join(
        line for line in POINTS_EXPORT.splitlines() if line.startswith(("unit,", "b1,", "b2,"))
    )
    imports.run(tax.ctx, "wz", "tax-daily-points", points.encode(), "points.csv", "2026")
    export = HEADER + "2026-Q1,sfs-changqiao,M1001,20,19,95.00,11.0,4.8\n"
    imports.run(cc.ctx, "wzsf", "sujiefen-mediation", export.encode(), "q1.csv", "2026")
    cc.values([{"person": "M1001", "indicator": "cc_visit_rate", "period": "2026",
                "value": "100"}])  # fmt: skip
    # each bureau sees its own plugin's importer, template and commands only
    with pytest.raises(NotFound):
        imports.run(tax.ctx, "wz", "sujiefen-mediation", export.encode(), "q1.csv", "2026")
    assert [t["name"] for t in templates.listing(cc.ctx, "wzsf")] == [
        "community-correction", "community-correction",
    ]  # fmt: skip
    assert cli("community_correction", "imports", "--bureau", "wz", ok=False).exit_code == 1

    taxed, corrected = tax.totals(), cc.totals()
    # wz: b1 and b2 full on the 12 KPIs and hard indicators (64) with no reviews (the
    # half-year and annual reviews score 0); b1 daily 16 − 1.5 + bonus 1.40 = 15.90,
    # b2 16 − 1.5 = 14.50 → 79.90 and 78.50
    assert taxed == {"b1": "79.90", "b2": "78.50"}
    # wzsf: M1001's deduction rules full (items 1–11 are 100, less the data-fed visit
    # rate 4 and mediation 10: 86), visits 100% → 4, mediation Q1 10 with three quarters
    # still missing: 10 ÷ 4 = 2.50 → 92.50; the office has no figures of its own yet
    assert corrected == {"M1001": "92.50", "sfs-changqiao": "0.00"}
    for office in (tax, cc):
        verified(office)
    assert ledger.replay_check(tax.ctx).ok


def test_a_draft_that_needs_an_uninstalled_plugin_is_not_published(platform, monkeypatch):
    """The uninstall guard looks at published schemes only: a draft imported with the
    plugin could be published after it, and the server's refresher then failed on that
    bureau every half second (and stopped its round for the bureaus after it)."""
    from core.services import results, schemes
    from core.services.context import Context

    tax = Office(platform, "tmpc", ("rules", "tax"), cycle_kinds=KINDS)
    templates.import_template(tax.ctx, "tmpc", "tax", "2026")  # drafts only
    plugins.uninstall(tax.ctx, "tmpc", "tax")
    size = log_size(platform, "tmpc")
    with pytest.raises(Conflict) as refused:
        schemes.publish(tax.ctx, "tmpc", "2026", "tax-branch")
    assert "post-processor hard_indicator is not installed" in str(
        [e.reason for e in refused.value.errors]
    )
    out = cli("schemes", "publish", "tax-branch", "--bureau", "tmpc", "--cycle", "2026", ok=False)
    assert out.exit_code == 1 and "cannot be published" in out.output
    assert log_size(platform, "tmpc") == size
    # the refresher goes on past a bureau it cannot refresh, and says why once per round
    other = Office(platform, "ok")
    other.units(("u1", "一", "A"))
    calls: list[str] = []

    def catch_up(self, bureau: str) -> int:
        calls.append(bureau)
        if bureau == "ok":
            return 1
        raise Conflict("cannot")

    monkeypatch.setattr(Context, "catch_up", catch_up)
    monkeypatch.setattr(results.standings, "pending_bureaus", lambda session: [1, 2, 3])
    told: list[str] = []
    assert results.catch_up_all(tax.ctx, lambda code, error: told.append(code)) >= 1
    assert "ok" in calls and told and "ok" not in told
