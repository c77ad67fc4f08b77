// jixiao custom functions (=JIXIAO.SCORE("u1","2026") …): read-only figures from the
// results and values API, with the token the task pane stored (shared runtime).
"use strict";
(function () {
  async function get(path) {
    const bureau = localStorage.getItem("jixiao.bureau"), token = localStorage.getItem("jixiao.token");
    if (!bureau || !token) throw new Error("请在任务窗格登录 (sign in in the task pane)");
    const base = (typeof location !== "undefined" && location.origin) || "";
    const answer = await fetch(`${base}/api/v1/bureaus/${encodeURIComponent(bureau)}${path}`,
      { headers: { Authorization: "Bearer " + token } });
    const body = await answer.json();
    if (!answer.ok) throw new Error(body.detail || String(answer.status));
    return body;
  }
  const q = (period) => (period ? `?period=${encodeURIComponent(period)}` : "");
  const num = (text) => (text === null || text === undefined ? "" : Number(text));
  const result = (unit, cycle, period) =>
    get(`/cycles/${encodeURIComponent(cycle)}/results/${encodeURIComponent(unit)}${q(period)}`);

  async function score(unit, cycle, period) { return num((await result(unit, cycle, period)).total); }
  async function rank(unit, cycle, period) { return (await result(unit, cycle, period)).rank; }
  async function grade(unit, cycle) { const r = await result(unit, cycle); return r.grade_name || r.grade || ""; }
  async function value(unit, indicator, period) {
    const rows = await get(`/values?unit=${encodeURIComponent(unit)}&indicator=${encodeURIComponent(indicator)}` +
      `&period=${encodeURIComponent(period)}`);
    if (!rows.length) return "";
    const v = rows[0].value;
    return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
  }
  async function ranking(cycle, group, period) {
    const rows = (await get(`/cycles/${encodeURIComponent(cycle)}/results${q(period)}`))
      .filter((r) => !group || r.group === group)
      .sort((a, b) => (a.group || "").localeCompare(b.group || "") || a.rank - b.rank);
    return [["名次 (Rank)", "代码 (Code)", "名称 (Name)", "总分 (Total)", "等级 (Grade)"]].concat(
      rows.map((r) => [r.rank, r.subject, r.name, num(r.total), r.grade_name || r.grade || ""]));
  }
  const all = { SCORE: score, RANK: rank, GRADE: grade, VALUE: value, RANKING: ranking };
  if (typeof CustomFunctions !== "undefined") {
    for (const [name, fn] of Object.entries(all)) CustomFunctions.associate(name, fn);
  }
  if (typeof window !== "undefined") window.jixiaoFunctions = all;
})();
