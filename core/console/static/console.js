// jixiao console: charts from JSON data blocks (no inline scripts, CSP 'self'), and
// appeal countdowns. Pages work without it; it only adds charts and a ticking clock.
(function () {
  "use strict";

  function charts(root) {
    if (!window.echarts) return;
    root.querySelectorAll("[data-chart]").forEach(function (el) {
      if (el.dataset.drawn) return;
      var source = document.getElementById(el.dataset.chart);
      if (!source) return;
      var option = JSON.parse(source.textContent);
      el.dataset.drawn = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function countdowns() {
    document.querySelectorAll("[data-deadline]").forEach(function (el) {
      var left = Math.floor((Date.parse(el.dataset.deadline) - Date.now()) / 1000);
      var sign = left < 0 ? "-" : "";
      var s = Math.abs(left);
      el.textContent = sign + Math.floor(s / 3600) + ":" + pad(Math.floor(s / 60) % 60) + ":" + pad(s % 60);
      el.classList.toggle("overdue", left < 0);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    charts(document);
    countdowns();
    setInterval(countdowns, 1000);
    document.body.addEventListener("htmx:afterSwap", function (e) { charts(e.target); });
  });
})();
