/* The officials' dashboards (templates/dashboards/index.html): draws each chart with ECharts
   from the page's JSON block #dashboard-charts ({name: {kind, categories, series}}) into its
   <div class="dash-chart" data-chart="name">; the table under each chart holds the same
   figures, so the page reads without scripts. Charts follow the window's width (375 px up). */
(function () {
  "use strict";
  var block = document.getElementById("dashboard-charts");
  if (!block || typeof echarts === "undefined") { return; }
  var specs = JSON.parse(block.textContent || "{}");
  var charts = [];

  function narrow() { return window.innerWidth < 640; }

  function option(spec) {
    if (spec.kind === "pie") {
      var s = spec.series[0];
      return {
        tooltip: { trigger: "item" },
        legend: { type: "scroll", bottom: 0 },
        series: [{
          name: s.name, type: "pie", radius: narrow() ? ["30%", "60%"] : ["35%", "65%"],
          data: spec.categories.map(function (c, i) { return { name: c, value: s.data[i] }; })
        }]
      };
    }
    var second = spec.series.some(function (s) { return s.axis === 1; });
    return {
      tooltip: { trigger: "axis" },
      legend: { type: "scroll", bottom: 0 },
      grid: { left: 8, right: 8, top: 16, bottom: 40, containLabel: true },
      xAxis: {
        type: "category", data: spec.categories,
        axisLabel: { hideOverlap: true, rotate: narrow() && spec.categories.length > 4 ? 45 : 0 }
      },
      yAxis: second ? [{ type: "value" }, { type: "value" }] : [{ type: "value" }],
      series: spec.series.map(function (s) {
        var out = { name: s.name, type: s.type, data: s.data, yAxisIndex: second ? s.axis : 0 };
        if (s.stack) { out.stack = s.stack; }
        return out;
      })
    };
  }

  document.querySelectorAll(".dash-chart[data-chart]").forEach(function (box) {
    var spec = specs[box.getAttribute("data-chart")];
    if (!spec) { return; }
    box.style.width = "100%";
    box.style.height = narrow() ? "260px" : "320px";
    var chart = echarts.init(box, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    charts.push({ chart: chart, spec: spec, box: box });
  });

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(function () {
      charts.forEach(function (c) {
        c.box.style.height = narrow() ? "260px" : "320px";
        c.chart.setOption(option(c.spec), true);
        c.chart.resize();
      });
    }, 150);
  });
}());
