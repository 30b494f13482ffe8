/* Draws every chart of a page: each <div data-figure="ID"> gets the figure in <script id="ID"
   type="application/json"> (Django's json_script). No inline script, so the Content-Security-Policy holds.
   The bundle names one outside address, plotly's topojson CDN: only geo traces fetch it, the basic bundle has
   none, and the policy's connect-src 'self' would refuse it anyway. */
(function () {
  "use strict";
  var chinese = (document.documentElement.lang || "").indexOf("zh") === 0;
  var config = { displaylogo: false, responsive: true, locale: chinese ? "zh-CN" : "en",
                 modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  function draw() {
    var nodes = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < nodes.length; i++) {
      var source = document.getElementById(nodes[i].getAttribute("data-figure"));
      if (!source) { continue; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(nodes[i], figure.data, figure.layout, config);
      nodes[i].setAttribute("data-drawn", "true");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
