// Moved out of the page so that the Content-Security-Policy can forbid inline scripts
// (core.middleware.SecurityHeadersMiddleware, issue 11 §3).
(function () {
  var data = JSON.parse(document.getElementById("dashboard-data").textContent);
  var charts = [];
  function make(id, option, urlOf) {
    var el = document.getElementById(id);
    if (!el) { return; }
    var chart = echarts.init(el);
    chart.setOption(option);
    chart.on("click", function (params) {
      var url = urlOf(params);
      if (url) { window.location.href = url; }
    });
    charts.push(chart);
  }
  var completion = data.completion.items;
  make("chart-completion", {
    tooltip: {trigger: "item", formatter: "{b}：{c} 条（{d}%）"}, legend: {bottom: 0},
    color: ["#2e7d32", "#f9a825", "#1565c0", "#9e9e9e"],
    series: [{type: "pie", radius: ["40%", "68%"], data: completion.map(function (c) { return {name: c.name, value: c.value}; })}]
  }, function (p) { return completion[p.dataIndex].url; });
  var overdue = data.overdue_by_unit;
  make("chart-overdue", {
    tooltip: {}, grid: {left: 130, right: 20, top: 10, bottom: 30},
    xAxis: {type: "value", minInterval: 1},
    yAxis: {type: "category", inverse: true, data: overdue.map(function (o) { return o.unit; })},
    series: [{type: "bar", name: "逾期事项", color: "#c62828", data: overdue.map(function (o) { return o.overdue; })}]
  }, function (p) { return overdue[p.dataIndex].url; });
  var sgs = data.shuanggongshi.units;
  make("chart-sgs", {
    tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {left: 50, right: 20, top: 20, bottom: 70},
    xAxis: {type: "category", data: sgs.map(function (u) { return u.unit; }), axisLabel: {rotate: 30}},
    yAxis: {type: "value", max: 100, name: "%"},
    series: [
      {type: "bar", name: "及时率", data: sgs.map(function (u) { return u.timeliness; })},
      {type: "bar", name: "合规率", data: sgs.map(function (u) { return u.compliance; })}
    ]
  }, function (p) { return sgs[p.dataIndex].url; });
  var black = data.blacklist;
  var share = {type: "line", name: "占比（%）", yAxisIndex: 1, data: black.trend_share};
  if (black.max_share !== null) {
    share.markLine = {symbol: "none", lineStyle: {color: "#c0392b"}, data: [{yAxis: black.max_share, name: "目标上限"}]};
  }
  make("chart-blacklist", {
    tooltip: {trigger: "axis"}, legend: {bottom: 0}, grid: {left: 45, right: 50, top: 30, bottom: 50},
    xAxis: {type: "category", data: black.months},
    yAxis: [{type: "value", name: "企业数", minInterval: 1}, {type: "value", name: "%"}],
    series: [{type: "bar", name: "严重失信名单企业", data: black.trend_listed}, share]
  }, function () { return black.url; });
  var rights = data.rights;
  var rightsItems = [
    {name: "异议按时办结率", value: rights.objections_on_time, url: rights.objections_url},
    {name: "信用修复按时办结率", value: rights.repairs_on_time, url: rights.repairs_url}
  ];
  make("chart-rights", {
    tooltip: {formatter: function (p) { return p.name + "：" + (p.value === null || p.value === undefined ? "无数据" : p.value + "%"); }},
    grid: {left: 130, right: 30, top: 10, bottom: 30},
    xAxis: {type: "value", max: 100, name: "%"},
    yAxis: {type: "category", data: rightsItems.map(function (r) { return r.name; })},
    series: [{type: "bar", color: "#00897b", data: rightsItems.map(function (r) { return r.value; })}]
  }, function (p) { return rightsItems[p.dataIndex].url; });
  function registered(id, block) {
    if (!block.connected) { return; }
    var items = block.items;
    make(id, {
      tooltip: {formatter: function (p) { return items[p.dataIndex].label + "：" + items[p.dataIndex].display; }},
      grid: {left: 150, right: 30, top: 10, bottom: 30},
      xAxis: {type: "value"},
      yAxis: {type: "category", data: items.map(function (i) { return i.label; })},
      series: [{type: "bar", data: items.map(function (i) { return i.value; })}]
    }, function (p) { return items[p.dataIndex].url; });
  }
  registered("chart-finance", data.finance);
  registered("chart-integrity", data.integrity);
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  window.ledgerCharts = charts.length;
})();
