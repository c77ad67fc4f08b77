// A stand-in for the Office host (no Excel runs here): the small part of the Office.js
// API the jixiao pane uses, over an in-memory workbook at window.__book.
"use strict";
(function () {
  const book = (window.__book = { sheets: [], active: 0 });
  const newSheet = (name) => ({ name, cells: {}, colours: {}, notes: {}, frozen: null });
  book.sheets.push(newSheet("Sheet1"));
  const key = (r, c) => r + "," + c;
  const rc = (address) => {
    const m = /^\$?([A-Z]+)\$?(\d+)$/.exec(address);
    let c = 0;
    for (const ch of m[1]) c = c * 26 + ch.charCodeAt(0) - 64;
    return [Number(m[2]) - 1, c - 1];
  };
  function range(sheet, r0, c0, h, w) {
    const each = (fn) => { for (let r = 0; r < h; r++) for (let c = 0; c < w; c++) fn(r0 + r, c0 + c, r, c); };
    return {
      load() { return this; },
      get values() { const out = []; for (let r = 0; r < h; r++) { out.push([]); for (let c = 0; c < w; c++) { const v = sheet.cells[key(r0 + r, c0 + c)]; out[r].push(v === undefined || v === null ? "" : v); } } return out; },
      set values(v) { each((r, c, i, j) => { sheet.cells[key(r, c)] = v[i][j]; }); },
      set numberFormat(v) {},
      format: { fill: { set color(v) { each((r, c) => { sheet.colours[key(r, c)] = v; }); } }, autofitColumns() {} },
      clear() { each((r, c) => { delete sheet.cells[key(r, c)]; delete sheet.colours[key(r, c)]; }); sheet.notes = {}; },
    };
  }
  function worksheet(sheet) {
    return {
      get name() { return sheet.name; },
      get position() { return book.sheets.indexOf(sheet); },
      set position(p) { book.sheets.splice(book.sheets.indexOf(sheet), 1); book.sheets.splice(p, 0, sheet); },
      load() { return this; },
      getUsedRangeOrNullObject() {
        const keys = Object.keys(sheet.cells).filter((k) => sheet.cells[k] !== "" && sheet.cells[k] !== null);
        if (!keys.length) return { isNullObject: true, load() { return this; } };
        const rs = keys.map((k) => Number(k.split(",")[0])), cs = keys.map((k) => Number(k.split(",")[1]));
        const r0 = Math.min(...rs), c0 = Math.min(...cs);
        const r = range(sheet, r0, c0, Math.max(...rs) - r0 + 1, Math.max(...cs) - c0 + 1);
        r.isNullObject = false; r.rowIndex = r0; r.columnIndex = c0;
        return r;
      },
      getRangeByIndexes(r, c, h, w) { return range(sheet, r, c, h, w); },
      getRange() { return range(sheet, 0, 0, 1000, 100); },
      activate() { book.active = book.sheets.indexOf(sheet); },
      freezePanes: { freezeAt(address) { sheet.frozen = address; } },
      notes: { add(address, text) { sheet.notes[key(...rc(address.split("!").pop()))] = text; } },
    };
  }
  const worksheets = {
    get items() { return book.sheets.map(worksheet); },
    load() { return this; },
    getActiveWorksheet() { return worksheet(book.sheets[book.active]); },
    add(name) { const s = newSheet(name || "Sheet" + (book.sheets.length + 1)); book.sheets.push(s); return worksheet(s); },
  };
  window.Office = {
    onReady(fn) { const ready = Promise.resolve({ host: "Excel" }); if (fn) ready.then(fn); return ready; },
    context: { requirements: { isSetSupported: (set, version) => set === "ExcelApi" && Number(version) <= 1.18 } },
  };
  window.Excel = { run: async (fn) => fn({ workbook: { worksheets }, sync: async () => {} }) };
  window.__cell = (sheetName, address) => {
    const s = book.sheets.find((x) => x.name === sheetName);
    const k = key(...rc(address));
    return { value: s.cells[k], colour: s.colours[k], note: s.notes[k] };
  };
  window.__type = (sheetName, address, value) => {
    book.sheets.find((x) => x.name === sheetName).cells[key(...rc(address))] = value;
  };
})();
