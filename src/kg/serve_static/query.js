// kg's query page: YASGUI on this server's /query endpoint, with kg's prefixes predeclared and
// the project's named queries one click away. Everything from the data is inserted as text.
(function () {
  "use strict";
  var endpoint = window.location.origin + "/query";

  function prologue(prefixes) {
    return Object.keys(prefixes).map(function (name) {
      return "PREFIX " + name + ": <" + prefixes[name] + ">";
    }).join("\n") + "\n";
  }

  function start(data) {
    var header = prologue(data.prefixes);
    // only the variables autocompleter: the others ask prefix.cc and LOV, which a page of this
    // server never contacts (its content-security policy would block them anyway)
    Yasgui.Yasqe.defaults.autocompleters = ["variables"];
    var yasgui = new Yasgui(document.getElementById("yasgui"), {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: false,
      persistenceId: null,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; }, keys: [] },
      yasqe: { value: header + "\nSELECT ?class (COUNT(?x) AS ?n) WHERE { ?x a ?class }\n" +
                      "GROUP BY ?class ORDER BY DESC(?n) LIMIT 20\n" }
    });
    window.kgYasgui = yasgui;

    function show(query) {
      var tab = yasgui.getTab();
      tab.setEndpoint && tab.setEndpoint(endpoint);
      var yasqe = tab.getYasqe();
      yasqe.setValue(header + query.text);
      yasqe.focus();
    }

    var list = document.getElementById("query-list");
    var filter = document.getElementById("filter");
    var ja = document.getElementById("lang-ja");

    function render() {
      var wanted = filter.value.trim().toLowerCase();
      list.textContent = "";
      data.queries.forEach(function (query) {
        var question = ja.checked ? query.question_ja : query.question_en;
        var haystack = (query.name + " " + query.question_en + " " + query.question_ja).toLowerCase();
        if (wanted && haystack.indexOf(wanted) < 0) { return; }
        var button = document.createElement("button");
        button.type = "button";
        button.className = "named-query";
        button.dataset.name = query.name;
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = query.name;
        button.appendChild(name);
        button.appendChild(document.createTextNode(question || query.name));
        button.addEventListener("click", function () { show(query); });
        list.appendChild(button);
      });
    }
    filter.addEventListener("input", render);
    ja.addEventListener("change", render);
    render();
  }

  fetch("/kg/queries.json").then(function (answer) { return answer.json(); }).then(start);
})();
