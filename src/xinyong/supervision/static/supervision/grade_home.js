// Moved out of the page so that the Content-Security-Policy can forbid inline scripts
// (core.middleware.SecurityHeadersMiddleware, issue 11 §3).
(function () {
  var data = JSON.parse(document.getElementById("grade-data").textContent);
  var chart = echarts.init(document.getElementById("chart-grades"));
  chart.setOption({
    tooltip: {}, xAxis: {type: "category", data: data.letters},
    yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: "主体数", data: data.values}]
  });
  window.addEventListener("resize", function () { chart.resize(); });
})();
