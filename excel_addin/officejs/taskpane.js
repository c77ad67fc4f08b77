// jixiao task pane: sends the workbook to the app's xlwings-Server-style endpoint
// (xlwings' Office.js payload format) and applies the actions it answers with.
"use strict";
(function () {
  const store = window.localStorage;
  const $ = (id) => document.getElementById(id);
  const say = (text, cls) => { const s = $("status"); s.textContent = text; s.className = cls || ""; };

  async function bookData(context) {
    const sheets = context.workbook.worksheets;
    sheets.load("items/name");
    const active = sheets.getActiveWorksheet();
    active.load("position");
    await context.sync();
    const used = sheets.items.map((s) => {
      const r = s.getUsedRangeOrNullObject(true);
      r.load("values, rowIndex, columnIndex");
      return r;
    });
    await context.sync();
    const notes = Office.context.requirements.isSetSupported("ExcelApi", "1.18");
    return {
      client: "Office.js", version: "0.37.8",
      book: { name: "workbook", active_sheet_index: active.position, selection: "A1" },
      names: [],
      sheets: sheets.items.map((s, i) => {
        const r = used[i];
        let values = [[""]];
        if (!r.isNullObject) {  // the used range may start below or right of A1
          const width = r.columnIndex + r.values[0].length;
          values = [];
          for (let y = 0; y < r.rowIndex; y++) values.push(new Array(width).fill(""));
          r.values.forEach((row) => values.push(new Array(r.columnIndex).fill("").concat(row)));
        }
        return { name: s.name, values: values, pictures: [], tables: [],
                 notes: notes ? [] : undefined, notes_supported: notes };
      }),
    };
  }

  async function sheetAt(context, position) {
    const sheets = context.workbook.worksheets;
    sheets.load("items");
    await context.sync();
    return sheets.items[position];
  }

  async function rangeOf(context, a) {
    const sheet = await sheetAt(context, a.sheet_position);
    return sheet.getRangeByIndexes(a.start_row, a.start_column, a.row_count, a.column_count);
  }

  const actions = {
    async setValues(c, a) { (await rangeOf(c, a)).values = a.values; },
    async setRangeColor(c, a) { (await rangeOf(c, a)).format.fill.color = a.args[0]; },
    async setNumberFormat(c, a) {
      (await rangeOf(c, a)).numberFormat = Array.from({ length: a.row_count },
        () => new Array(a.column_count).fill(a.args[0]));
    },
    async setAutofit(c, a) { (await rangeOf(c, a)).format.autofitColumns(); },
    async addSheet(c, a) {
      const sheet = c.workbook.worksheets.add(a.args[1] || undefined);
      sheet.position = Number(a.args[0]);
    },
    async sheetClear(c, a) { (await sheetAt(c, a.sheet_position)).getRange().clear(); },
    async activateSheet(c, a) { (await sheetAt(c, Number(a.args[0]))).activate(); },
    async freezePaneAtRange(c, a) { (await sheetAt(c, a.sheet_position || 0)).freezePanes.freezeAt(a.args[0]); },
    async addNote(c, a) { (await sheetAt(c, a.sheet_position)).notes.add(a.args[0], a.args[1]); },
    async alert(c, a) { say(a.args[0]); },
  };

  async function run(action, query) {
    const bureau = store.getItem("jixiao.bureau"), token = store.getItem("jixiao.token");
    if (!bureau || !token) { say("请先登录 (sign in first)", "error"); return; }
    say("…");
    try {
      await Excel.run(async (context) => {
        const payload = await bookData(context);
        const url = `${location.origin}/api/v1/bureaus/${encodeURIComponent(bureau)}` +
          `/excel/xlwings/${action}` + (query ? "?" + new URLSearchParams(query) : "");
        const answer = await fetch(url, {
          method: "POST", body: JSON.stringify(payload),
          headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
        });
        const body = await answer.json();
        if (!answer.ok) {
          const errors = (body.errors || []).map((e) => `${e.field}: ${e.reason}`).join("\n");
          throw new Error(`${body.detail || answer.status}${errors ? "\n" + errors : ""}`);
        }
        for (const a of body.actions) {
          const apply = actions[a.func];
          if (!apply) throw new Error("unsupported action " + a.func);
          await apply(context, a);
          await context.sync();
        }
      });
      say(action === "form" ? "表单已生成 (form laid out)" : "已提交，见状态列 (submitted: see the status column)", "ok");
    } catch (error) {
      say(String(error.message || error), "error");
    }
  }

  function init() {
    $("bureau").value = store.getItem("jixiao.bureau") || "";
    $("save").onclick = () => {
      store.setItem("jixiao.bureau", $("bureau").value.trim());
      store.setItem("jixiao.token", $("token").value.trim());
      $("token").value = "";
      say("已登录 (signed in)", "ok");
    };
    $("form").onclick = () => run("form", { cycle: $("cycle").value.trim(),
      period: $("period").value.trim(), unit: $("unit").value.trim() });
    $("submit").onclick = () => run("submit");
  }
  window.jixiaoPane = { run, bookData, actions };
  // Start once both Office and the page are ready (the scripts load in <head>, and a
  // host may report Office ready before the body is parsed).
  const domReady = new Promise((done) => {
    if (document.readyState !== "loading") done();
    else document.addEventListener("DOMContentLoaded", done);
  });
  const officeReady = window.Office && Office.onReady ? Office.onReady() : Promise.resolve();
  Promise.all([domReady, officeReady]).then(init);
})();
