// Moved out of the page so that the Content-Security-Policy can forbid inline scripts
// (core.middleware.SecurityHeadersMiddleware, issue 11 §3).
(function () {
  var data = JSON.parse(document.getElementById("picture-data").textContent);
  var types = echarts.init(document.getElementById("chart-types"));
  types.setOption({
    tooltip: {}, grid: {left: 180},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", data: data.types.map(function (t) { return t.name; })},
    series: [{type: "bar", name: "在列主体数", data: data.types.map(function (t) { return t.value; })}]
  });
  var trend = echarts.init(document.getElementById("chart-trend"));
  var share = {type: "line", name: "占比（%）", yAxisIndex: 1, data: data.share};
  if (data.maxShare !== null) {
    share.markLine = {symbol: "none", lineStyle: {color: "#c0392b"}, data: [{yAxis: data.maxShare, name: "目标上限"}]};
  }
  trend.setOption({
    tooltip: {trigger: "axis"}, legend: {},
    xAxis: {type: "category", data: data.months},
    yAxis: [{type: "value", name: "企业数", minInterval: 1}, {type: "value", name: "占比（%）"}],
    series: [{type: "bar", name: "列入严重失信名单企业", data: data.listed}, share]
  });
  window.addEventListener("resize", function () { types.resize(); trend.resize(); });
})();
