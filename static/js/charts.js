/* Draws every chart of a page: each <div data-figure="ID"> gets the figure in <script id="ID"
   type="application/json"> (Django's json_script). No inline script, so the Content-Security-Policy holds.
   The bundle names one outside address, plotly's topojson CDN: only geo traces fetch it, the basic bundle has
   none, and the policy's connect-src 'self' would refuse it anyway. */
(function () {
  "use strict";
  var chinese = (document.documentElement.lang || "").indexOf("zh") === 0;
  var config = { displaylogo: false, responsive: true, locale: chinese ? "zh-CN" : "en",
                 modeBarButtonsToRemove: ["select2d", "lasso2d"] };
  /* A map's cities link to their pages: a click on a city's marker (customdata) or on its area (the trace's
     meta) opens the address, when it is one of ours (a path, never another site). */
  function follow(node) {
    node.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      if (!point) { return; }
      var href = typeof point.customdata === "string" ? point.customdata : point.data && point.data.meta;
      if (typeof href === "string" && href.charAt(0) === "/" && href.charAt(1) !== "/") {
        window.location.assign(href);
      }
    });
  }
  function draw() {
    var nodes = document.querySelectorAll("[data-figure]");
    for (var i = 0; i < nodes.length; i++) {
      var source = document.getElementById(nodes[i].getAttribute("data-figure"));
      if (!source) { continue; }
      var figure = JSON.parse(source.textContent);
      window.Plotly.newPlot(nodes[i], figure.data, figure.layout, config);
      if (nodes[i].getAttribute("data-links") === "true") { follow(nodes[i]); }
      nodes[i].setAttribute("data-drawn", "true");
    }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
