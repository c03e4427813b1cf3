// The kg timeline page: draws the data block with vis-timeline, grouped by kind or by threat
// actor, with filters by class and by report and a details panel. Text reaches the page only
// through textContent and title attributes (item and group templates build DOM nodes), never
// as markup.
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("kg-data").textContent);
  var words = data.strings;
  var lang = data.lang;
  var details = document.getElementById("kg-details");
  var hiddenKinds = {};
  var hiddenReports = {};
  var grouping = "kind";
  var byId = {};
  data.items.forEach(function (item) { byId[item.id] = item; });

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function text(content, className) {
    var element = document.createElement("span");
    element.textContent = content;
    if (className) { element.className = className; }
    return element;
  }

  function shown(item) {
    if (hiddenKinds[item.kind]) { return false; }
    if (!item.reports.length) { return true; }
    return item.reports.some(function (report) { return !hiddenReports[report]; });
  }

  // one drawn item per fact, or per fact and actor when grouped by actor
  function entries() {
    var result = [];
    data.items.forEach(function (item) {
      if (!shown(item)) { return; }
      var groups = grouping === "kind" ? [item.kind] : (item.actors.length ? item.actors : ["-"]);
      groups.forEach(function (group) {
        var entry = { id: item.id + (grouping === "kind" ? "" : "\u0000" + group), fact: item.id, group: group,
                      start: item.start, content: item["label_" + lang], className: "kg-kind-" + item.kind };
        if (item.end) { entry.end = item.end; entry.type = "range"; } else { entry.type = "point"; }
        result.push(entry);
      });
    });
    return result;
  }

  function groups() {
    if (grouping === "kind") {
      return Object.keys(data.kinds).filter(function (kind) { return !hiddenKinds[kind]; }).map(function (kind) {
        return { id: kind, content: data.kinds[kind]["label_" + lang] };
      });
    }
    var list = Object.keys(data.actors).map(function (actor) {
      return { id: actor, content: data.actors[actor]["label_" + lang] };
    });
    list.push({ id: "-", content: words.noActor });
    return list;
  }

  var items = new vis.DataSet(entries());
  var groupSet = new vis.DataSet(groups());
  var timeline = new vis.Timeline(document.getElementById("kg-timeline"), items, groupSet, {
    stack: true, zoomable: true, moveable: true, selectable: true, orientation: "top",
    maxHeight: "100%", height: "100%", margin: { item: 4 }, zoomMin: 1000 * 60 * 60 * 24 * 7,
    // contents are DOM nodes made here, so vis-timeline never parses a label as HTML
    template: function (entry) {
      var item = byId[entry.fact];
      var element = text(item["label_" + lang], "kg-item");
      element.title = item["label_" + lang] + "\n" + item.date + (item.until ? " – " + item.until : "");
      return element;
    },
    groupTemplate: function (group) { return text(group.content, "kg-group"); },
  });
  var view = { timeline: timeline, items: items, groups: groupSet, ready: false, data: data };
  window.kgView = view;

  function status() {
    var facts = {};
    items.forEach(function (entry) { facts[entry.fact] = true; });
    document.getElementById("kg-status").textContent =
      fill(words.shown, { items: Object.keys(facts).length, total: data.items.length });
  }

  function redraw() {
    items.clear();
    groupSet.clear();
    groupSet.add(groups());
    items.add(entries());
    status();
  }
  view.redraw = redraw;

  function show(fact) {
    var item = byId[fact];
    if (item) { details.textContent = item["details_" + lang]; }
  }
  view.show = show;
  timeline.on("select", function (properties) {
    if (properties.items.length) { show(items.get(properties.items[0]).fact); }
  });

  document.getElementById("kg-group").addEventListener("change", function (event) {
    grouping = event.target.value;
    redraw();
  });
  view.groupBy = function (value) { document.getElementById("kg-group").value = value; grouping = value; redraw(); };
  document.getElementById("kg-fit").addEventListener("click", function () { timeline.fit(); });

  // --- filters ------------------------------------------------------------------------------
  var kindBoxes = [];
  function checkbox(list, value, label, hidden) {
    var item = document.createElement("li");
    var holder = document.createElement("label");
    var box = document.createElement("input");
    box.type = "checkbox";
    box.checked = true;
    box.value = value;
    box.addEventListener("change", function () { hidden[value] = !box.checked; redraw(); });
    holder.appendChild(box);
    holder.appendChild(document.createTextNode(" " + label));
    item.appendChild(holder);
    list.appendChild(item);
    return box;
  }
  var counts = {};
  data.items.forEach(function (item) { counts[item.kind] = (counts[item.kind] || 0) + 1; });
  Object.keys(data.kinds).forEach(function (kind) {
    kindBoxes.push(checkbox(document.getElementById("kg-classes"), kind,
      data.kinds[kind]["label_" + lang] + " (" + (counts[kind] || 0) + ")", hiddenKinds));
  });
  Object.keys(data.reports).forEach(function (report) {
    checkbox(document.getElementById("kg-reports"), report, data.reports[report]["label_" + lang], hiddenReports);
  });
  function setAll(visible) {
    kindBoxes.forEach(function (box) { box.checked = visible; hiddenKinds[box.value] = !visible; });
    redraw();
  }
  document.getElementById("kg-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("kg-none").addEventListener("click", function () { setAll(false); });

  status();
  timeline.fit({ animation: false });
  view.ready = true;
  document.body.setAttribute("data-ready", "true");
})();
