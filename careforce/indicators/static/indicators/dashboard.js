/* CareForce dashboard charts (Apache ECharts, vendored). Every chart reads its data from a
   <script type="application/json"> element named by data-source; the same numbers are in the table
   beside it. Charts are (re)drawn on load and after each htmx swap. */
(function () {
  "use strict";
  var geoLoaded = null;

  function data(el) {
    var node = document.getElementById(el.dataset.source);
    return node ? JSON.parse(node.textContent) : null;
  }

  function chart(el) {
    var existing = echarts.getInstanceByDom(el);
    if (existing) existing.dispose();
    return echarts.init(el, null, { renderer: "canvas" });
  }

  function spark(el, d) {
    chart(el).setOption({
      animation: false,
      grid: { left: 2, right: 2, top: 4, bottom: 2 },
      xAxis: { type: "category", show: false, data: d.months },
      yAxis: { type: "value", show: false, scale: true },
      tooltip: { trigger: "axis" },
      series: [{ type: "line", data: d.values, showSymbol: false, smooth: true, areaStyle: { opacity: 0.15 } }]
    });
  }

  function bar(el, d) {
    chart(el).setOption({
      animation: false,
      grid: { left: 8, right: 16, top: 8, bottom: 8, containLabel: true },
      tooltip: { trigger: "axis" },
      xAxis: { type: "value" },
      yAxis: { type: "category", data: d.labels, inverse: true },
      series: [{ type: "bar", data: d.values }]
    });
  }

  function pyramid(el, d) {
    chart(el).setOption({
      animation: false,
      tooltip: { trigger: "axis", formatter: function (p) {
        return p[0].name + "<br>" + p.map(function (s) { return s.seriesName + ": " + Math.abs(s.value); }).join("<br>");
      } },
      legend: { data: [d.male, d.female] },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "value", axisLabel: { formatter: function (v) { return Math.abs(v); } } },
      yAxis: { type: "category", data: d.bands },
      series: [
        { name: d.male, type: "bar", stack: "p", data: d.males.map(function (v) { return -v; }) },
        { name: d.female, type: "bar", stack: "p", data: d.females }
      ]
    });
  }

  function flows(el, d) {
    chart(el).setOption({
      animation: false,
      tooltip: { trigger: "axis" },
      legend: { data: [d.joins_label, d.leaves_label] },
      grid: { left: 8, right: 16, top: 30, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: d.months },
      yAxis: { type: "value" },
      series: [
        { name: d.joins_label, type: "bar", data: d.joins },
        { name: d.leaves_label, type: "bar", data: d.leaves }
      ]
    });
  }

  function map(el, d) {
    if (!geoLoaded) {
      geoLoaded = fetch(el.dataset.geo).then(function (r) { return r.json(); }).then(function (geo) {
        echarts.registerMap("chongqing", geo);
      });
    }
    geoLoaded.then(function () {
      var values = d.rows.filter(function (r) { return r.value !== null; }).map(function (r) { return r.value; });
      var c = chart(el);
      c.setOption({
        animation: false,
        tooltip: { trigger: "item", formatter: function (p) {
          var v = p.data && p.data.value !== null && p.data.value !== undefined ? p.data.value : d.no_data;
          var rank = p.data && p.data.rank ? " (#" + p.data.rank + ")" : "";
          return p.name + ": " + v + rank;
        } },
        visualMap: {
          min: values.length ? Math.min.apply(null, values) : 0,
          max: values.length ? Math.max.apply(null, values) : 1,
          calculable: true, left: 8, bottom: 8,
          inRange: { color: d.higher_is_better ? ["#fde0c5", "#1a6fb0"] : ["#1a6fb0", "#fde0c5"] }
        },
        series: [{
          type: "map", map: "chongqing", nameMap: d.name_map, roam: false, selectedMode: false,
          label: { show: false }, emphasis: { label: { show: true } },
          data: d.rows.map(function (r) { return { name: r.name, value: r.value, rank: r.rank, url: r.url }; })
        }]
      });
      c.off("click");
      c.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
      el.setAttribute("data-ready", "1");
    });
  }

  var kinds = { spark: spark, bar: bar, pyramid: pyramid, flows: flows, map: map };

  function draw(root) {
    if (typeof echarts === "undefined") return;
    (root || document).querySelectorAll("[data-chart]").forEach(function (el) {
      var d = data(el);
      if (d && kinds[el.dataset.chart]) kinds[el.dataset.chart](el, d);
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.target); });
  window.addEventListener("resize", function () {
    document.querySelectorAll("[data-chart]").forEach(function (el) {
      var c = echarts.getInstanceByDom(el);
      if (c) c.resize();
    });
  });
})();
