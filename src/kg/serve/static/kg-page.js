// kg's query page: YASGUI preset to this server's endpoint, the named queries as example tabs.
// Nothing is fetched from anywhere but this server: no prefix.cc, no LOV autocompletion,
// no persisted endpoint from another session.
(function () {
  "use strict";
  var endpoint = new URL("sparql", document.baseURI).href;
  document.getElementById("kg-endpoint").textContent = endpoint;

  var Yasqe = Yasgui.Yasqe;
  Yasqe.defaults.prefixCcApi = undefined;            // the prefix list bundled with YASGUI, never prefix.cc
  Yasqe.defaults.autocompleters = ["prefixes", "variables"];  // class/property completion asks lov.linkeddata.es
  var request = { endpoint: endpoint, method: "POST" };

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: request,
    copyEndpointOnNewTab: false,
    persistenceId: null,                               // a fresh page each visit: the endpoint is always this one
    populateFromUrl: false,
    endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
    yasqe: { value: "" },
  });
  window.kgYasgui = yasgui;

  function withPrefixes(text, prefixes) {
    var head = [];
    Object.keys(prefixes).sort().forEach(function (p) {
      var declared = new RegExp("PREFIX\\s+" + p + ":", "i").test(text);
      if (!declared && new RegExp("(^|[\\s({,;/^|!])" + p + ":").test(text)) {
        head.push("PREFIX " + p + ": <" + prefixes[p] + ">");
      }
    });
    return head.length ? head.join("\n") + "\n" + text : text;
  }

  function exampleText(q, prefixes) {
    var lines = ["# Called with parameters: " + q.path + (q.params.length ? "?" + q.params.map(function (p) {
                   return p.name + "=…"; }).join("&") : "")];
    q.params.forEach(function (p) {
      lines.push("#   ?" + p.name + " (" + p.type + ", " + (p.required ? "required" : "optional") + "): " + p.description);
    });
    if (q.params.length) {
      lines.push("# Here the parameters are unbound: bind one with VALUES ?name { <iri> } or \"text\".");
    }
    return lines.join("\n") + "\n" + withPrefixes(q.sparql, prefixes);
  }

  function openExample(q, prefixes) {
    var existing = yasgui.getTab && Object.keys(yasgui._tabs || {}).filter(function (id) {
      return yasgui._tabs[id].getName && yasgui._tabs[id].getName() === q.name;
    })[0];
    if (existing) { yasgui.selectTabId(existing); return; }
    yasgui.addTab(true, { name: q.name, requestConfig: request, yasqe: { value: exampleText(q, prefixes) } });
  }

  var start = "PREFIX kg: <https://w3id.org/kg/ontology#>\n" +
              "SELECT ?trial ?title WHERE {\n  ?trial a kg:Trial ; kg:title ?title .\n}\nORDER BY ?trial\nLIMIT 20\n";
  yasgui.getTab().getYasqe().setValue(start);

  fetch(new URL("queries", document.baseURI), { headers: { Accept: "application/json" } })
    .then(function (r) { return r.json(); })
    .then(function (data) {
      var nav = document.getElementById("kg-examples");
      data.queries.forEach(function (q) {
        var b = document.createElement("button");
        b.type = "button";
        b.textContent = q.name;
        b.title = q.summary;
        b.dataset.query = q.name;
        b.addEventListener("click", function () { openExample(q, data.prefixes); });
        nav.appendChild(b);
      });
      window.kgPage = { ready: true, queries: data.queries.length };
    })
    .catch(function (e) { console.error("kg: cannot list the named queries: " + e); });
})();
