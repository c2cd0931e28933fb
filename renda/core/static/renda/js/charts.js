// The one chart initialiser (renda/core/charts.py): every `.chart-canvas[data-chart]`
// names a json_script element holding a spec {kind, title, labels, series, unit, band,
// flags}; it is drawn with the vendored ECharts. No inline script (the CSP forbids it).
(function () {
  "use strict";
  var FLAG = "#c0392b", PALETTE = ["#b22222", "#2f6f9f", "#d4a017", "#3c8d5a", "#7a5195", "#888"];
  var charts = [];

  function fmt(unit) {
    return function (v) { return v === null || v === undefined ? "—" : v + (unit || ""); };
  }

  function options(spec) {
    var unit = spec.unit || "";
    var base = {
      color: PALETTE,
      animation: false,
      title: { text: spec.title, left: "center", textStyle: { fontSize: 14 } },
      // richText: the tooltip is drawn on the canvas, never as HTML (names are data).
      tooltip: { trigger: spec.kind === "pie" ? "item" : "axis", valueFormatter: fmt(unit), renderMode: "richText" },
      legend: { bottom: 0, type: "scroll" },
      grid: { left: 8, right: 24, top: 40, bottom: 40, containLabel: true }
    };
    if (spec.kind === "pie") {
      base.series = [{
        type: "pie", radius: ["35%", "65%"], name: spec.title,
        label: { formatter: "{b}: {c} ({d}%)" },
        data: spec.labels.map(function (label, i) {
          return { name: label, value: spec.series[0].data[i] };
        })
      }];
      return base;
    }
    var horizontal = spec.kind === "hbar";
    var category = { type: "category", data: spec.labels, axisLabel: { hideOverlap: true } };
    var value = { type: "value", axisLabel: { formatter: "{value}" + unit } };
    // Rates: the axis runs to 100 % at least (a rate of 5 % is not drawn as a full bar).
    if (unit === "%") { value.max = function (extent) { return Math.max(100, Math.ceil(extent.max / 10) * 10); }; }
    base.xAxis = horizontal ? value : category;
    base.yAxis = horizontal ? category : value;
    if (horizontal) { category.inverse = true; }
    base.series = spec.series.map(function (s, index) {
      var data = s.data;
      if (spec.flags && spec.flags.length && index === 0) {
        data = s.data.map(function (v, i) {
          return spec.flags[i] ? { value: v, itemStyle: { color: FLAG } } : v;
        });
      }
      var series = { type: spec.kind === "line" ? "line" : "bar", name: s.name, data: data };
      if (spec.band && index === 0) {
        series.markLine = {
          silent: true, symbol: "none", lineStyle: { type: "dashed", color: FLAG },
          label: { formatter: "{c}" + unit },
          data: spec.band.map(function (v) { return horizontal ? { xAxis: v } : { yAxis: v }; })
        };
      }
      return series;
    });
    return base;
  }

  function height(spec) {
    if (spec.kind === "hbar") { return Math.max(220, spec.labels.length * 28 * spec.series.length + 100); }
    return 320;
  }

  function draw(node) {
    var source = document.getElementById(node.getAttribute("data-chart"));
    if (!source || !window.echarts) { return; }
    var spec = JSON.parse(source.textContent);
    node.style.height = height(spec) + "px";
    var chart = window.echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(options(spec));
    node.setAttribute("data-drawn", "1");
    charts.push({ chart: chart, node: node });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll(".chart-canvas[data-chart]"), draw);
  }

  // Printing: each chart becomes an image of itself (the print CSS hides the canvas).
  window.addEventListener("beforeprint", function () {
    charts.forEach(function (item) {
      var img = item.node.parentNode.querySelector("img.chart-print");
      if (!img) {
        img = document.createElement("img");
        img.className = "chart-print";
        img.alt = item.node.getAttribute("aria-label") || "";
        item.node.parentNode.insertBefore(img, item.node.nextSibling);
      }
      img.src = item.chart.getDataURL({ pixelRatio: 2, backgroundColor: "#fff" });
    });
  });
  window.addEventListener("resize", function () {
    charts.forEach(function (item) { item.chart.resize(); });
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
