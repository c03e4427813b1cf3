// The kg viz page: draws the data block with vis-network, then wires the search box, the class
// filter and the details panel. Text reaches the page only through textContent, option values
// and vis-network's canvas and plain-text tooltips, never as markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var words = data.strings;
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges);
  var started = performance.now();
  var details = document.getElementById("kg-details");

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  // The same folding as kg.search_text.fold, the one definition (tests/test_search_text.py).
  function normalise(text) {
    return text.normalize("NFKC").toLowerCase().trim();
  }

  var network = new vis.Network(document.getElementById("kg-network"), {}, data.options);
  // window.kgView lets people (and the browser tests) reach the drawing from the console.
  var view = { network: network, nodes: nodes, edges: edges, ready: false, stabilised: false, seconds: null };
  window.kgView = view;

  // The aggregated nodes of a bounded view ("+9,139 more: Incident") are not things: not counted.
  var things = nodes.get({ filter: function (node) { return !node.cluster; } }).length;

  function showStatus() {
    var shown = nodes.get({ filter: function (node) { return !node.hidden; } });
    var visible = {};
    shown.forEach(function (node) { visible[node.id] = true; });
    var links = edges.get({ filter: function (edge) { return visible[edge.from] && visible[edge.to]; } });
    var count = shown.filter(function (node) { return !node.cluster; }).length;
    document.getElementById("kg-status").textContent =
      fill(words.shown, { nodes: count, total: things, edges: links.length });
  }

  // A focus view centres its entity, selects it and shows its details.
  function showFocus() {
    if (!data.focus || !data.focus.length) { return; }
    var around = data.focus.slice();
    data.focus.forEach(function (id) { around = around.concat(network.getConnectedNodes(id)); });
    network.fit({ nodes: around, animation: false });
    var scale = Math.min(1.1, Math.max(network.getScale(), 0.75));
    var position = network.getPositions([data.focus[0]])[data.focus[0]];
    network.moveTo({ position: position, scale: scale, animation: false });
    network.selectNodes(data.focus);
    details.textContent = nodes.get(data.focus[0]).title;
  }

  function markReady() {
    if (view.ready) { return; }
    showFocus();
    view.ready = true;
    view.seconds = (performance.now() - started) / 1000;
    document.body.setAttribute("data-ready", "true");
    showStatus();
  }

  // Handlers go on before the data, so that a quick layout cannot finish unobserved.
  network.once("stabilizationIterationsDone", function () {
    // Freeze the layout: the page stays calm and responsive however big the graph.
    network.setOptions({ physics: { enabled: false } });
    view.stabilised = true;
    markReady();
  });
  if (!data.options.physics.enabled) {
    network.once("afterDrawing", markReady);
  }
  network.setData({ nodes: nodes, edges: edges });
  if (nodes.length === 0) { markReady(); }

  // --- details panel -------------------------------------------------------------------
  network.on("click", function (params) {
    if (params.nodes.length) {
      details.textContent = nodes.get(params.nodes[0]).title;
    } else if (params.edges.length) {
      details.textContent = edges.get(params.edges[0]).title;
    }
  });

  // --- search ----------------------------------------------------------------------------
  var labels = document.getElementById("kg-labels");
  var seen = {};
  data.nodes.forEach(function (node) {
    if (!seen[node.name]) {
      seen[node.name] = true;
      var option = document.createElement("option");
      option.value = node.name;
      labels.appendChild(option);
    }
  });

  function find(text) {
    var wanted = normalise(text);
    var status = document.getElementById("kg-search-status");
    if (!wanted) { status.textContent = ""; return []; }
    var exact = [];
    var partial = [];
    nodes.forEach(function (node) {
      if (node.hidden) { return; }
      if (node.search.indexOf("\n" + wanted + "\n") >= 0) { exact.push(node.id); }
      else if (node.search.indexOf(wanted) >= 0) { partial.push(node.id); }
    });
    var found = exact.length ? exact : partial;
    network.selectNodes(found);
    if (found.length) {
      network.focus(found[0], { scale: 1.2, animation: nodes.length < 1000 });
      details.textContent = nodes.get(found[0]).title;
      status.textContent = fill(words.found, { n: found.length });
    } else {
      status.textContent = words.notFound;
    }
    return found;
  }
  view.find = find;
  document.getElementById("kg-search-form").addEventListener("submit", function (event) {
    event.preventDefault();
    find(document.getElementById("kg-search").value);
  });

  // --- class filter and legend -------------------------------------------------------------
  var boxes = [];

  function setKind(kind, visible) {
    var changes = [];
    nodes.forEach(function (node) {
      if (node.kind === kind && !node.hidden !== visible) { changes.push({ id: node.id, hidden: !visible }); }
    });
    nodes.update(changes);
  }
  view.setKind = function (kind, visible) {
    boxes.forEach(function (box) { if (box.value === kind) { box.checked = visible; } });
    setKind(kind, visible);
    showStatus();
  };

  var list = document.getElementById("kg-classes");
  data.classes.forEach(function (entry) {
    var item = document.createElement("li");
    var holder = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = entry.kind;
    box.addEventListener("change", function () { setKind(entry.kind, box.checked); showStatus(); });
    boxes.push(box);
    var swatch = document.createElement("span");
    swatch.className = "kg-swatch kg-shape-" + entry.shape;
    swatch.style.backgroundColor = entry.color;
    holder.appendChild(box);
    holder.appendChild(swatch);
    // a class cut short also says how many its aggregated node stands for
    var more = entry.more ? " + " + entry.more.toLocaleString("en") : "";
    holder.appendChild(document.createTextNode(entry.label + " (" + entry.count + more + ")"));
    item.appendChild(holder);
    list.appendChild(item);
  });

  function setAll(visible) {
    boxes.forEach(function (box) { box.checked = visible; });
    nodes.update(nodes.getIds().map(function (id) { return { id: id, hidden: !visible }; }));
    showStatus();
  }
  document.getElementById("kg-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("kg-none").addEventListener("click", function () { setAll(false); });
})();
