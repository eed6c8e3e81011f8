// The interactive view: reads the graph from the JSON data block, draws it with cytoscape.js.
// Every text from the graph goes into the page through textContent or as a cytoscape label
// (drawn on a canvas), never as HTML, so a label cannot inject markup or script.
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("kg-data").textContent);
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }
  document.getElementById("title").textContent = data.title;
  document.getElementById("stats").textContent =
    data.nodes.length + " nodes, " + data.edges.length + " edges";
  if (data.warning) {
    var w = document.getElementById("warning");
    w.textContent = data.warning;
    w.hidden = false;
  }
  var legend = document.getElementById("legend");
  legend.appendChild(el("h2", "Node types"));
  data.types.forEach(function (t) {
    var row = el("div");
    var sw = el("span", undefined, "swatch");
    sw.style.background = t.colour;
    row.appendChild(sw);
    row.appendChild(el("span", t.type + " (" + t.count + ")"));
    legend.appendChild(row);
  });
  if (data.edges.some(function (e) { return e.data.conflict; })) {
    var crow = el("div");
    crow.appendChild(el("span", undefined, "edge-swatch"));
    crow.appendChild(el("span", "conflict"));
    legend.appendChild(crow);
  }
  var colours = {};
  data.types.forEach(function (t) { colours[t.type] = t.colour; });
  data.nodes.forEach(function (n) { n.data.colour = colours[n.data.type] || "#999999"; });

  var cy = cytoscape({
    container: document.getElementById("cy"),
    elements: { nodes: data.nodes, edges: data.edges },
    wheelSensitivity: 0.3,
    style: [
      { selector: "node", style: {
          "background-color": "data(colour)", "label": "data(short)", "font-size": 9,
          "text-valign": "bottom", "text-halign": "center", "text-wrap": "ellipsis",
          "text-max-width": 140, "width": 18, "height": 18, "border-width": 1, "border-color": "#555" } },
      { selector: "edge", style: {
          "width": 1.2, "line-color": "#aaa", "target-arrow-color": "#aaa", "target-arrow-shape": "triangle",
          "curve-style": "bezier", "label": "data(label)", "font-size": 7, "color": "#666",
          "text-rotation": "autorotate" } },
      { selector: "edge[?conflict]", style: {
          "line-color": "#d62728", "target-arrow-color": "#d62728", "width": 3, "color": "#d62728" } },
      { selector: ".dim", style: { "opacity": 0.15 } },
      { selector: ".hit", style: { "border-width": 4, "border-color": "#000" } },
      { selector: "node:selected", style: { "border-width": 4, "border-color": "#1f77b4" } }
    ],
    layout: data.layout === "cose"
      ? { name: "cose", animate: false, randomize: false, nodeRepulsion: 8000, idealEdgeLength: 80 }
      : { name: data.layout, animate: false }
  });

  function showDetails(node) {
    var d = node.data();
    var box = document.getElementById("details");
    box.replaceChildren();
    box.appendChild(el("h2", d.label));
    var dl = el("dl");
    function row(k, v) { dl.appendChild(el("dt", k)); dl.appendChild(el("dd", v)); }
    row("type", d.type);
    row("CURIE", d.curie);
    row("IRI", d.iri);
    if (d.types) row("all types", d.types);
    Object.keys(d.props).sort().forEach(function (k) { row(k, d.props[k]); });
    var out = node.connectedEdges().map(function (e) {
      var other = e.source().id() === node.id() ? e.target() : e.source();
      var dir = e.source().id() === node.id() ? "→ " : "← ";
      return dir + e.data("label") + " " + other.data("label");
    });
    if (out.length) row("links", out.join("\n"));
    box.appendChild(dl);
  }
  cy.on("tap", "node", function (evt) { showDetails(evt.target); });

  var search = document.getElementById("search");
  var matches = document.getElementById("matches");
  function runSearch() {
    var q = search.value.trim().toLowerCase();
    cy.elements().removeClass("dim hit");
    if (!q) { matches.textContent = ""; return; }
    var hits = cy.nodes().filter(function (n) {
      return (n.data("label") + " " + n.data("curie") + " " + n.data("type")).toLowerCase().indexOf(q) >= 0;
    });
    cy.elements().addClass("dim");
    hits.removeClass("dim").addClass("hit");
    hits.connectedEdges().removeClass("dim");
    matches.textContent = hits.length + " match" + (hits.length === 1 ? "" : "es");
  }
  search.addEventListener("input", runSearch);
  search.addEventListener("keydown", function (e) {
    if (e.key === "Enter") {
      var hits = cy.nodes(".hit");
      if (hits.length) { cy.fit(hits, 60); if (hits.length === 1) showDetails(hits[0]); }
    }
  });
  window.kgView = { cy: cy, nodeCount: data.nodes.length, edgeCount: data.edges.length, ready: true,
                    showDetails: showDetails };
})();
