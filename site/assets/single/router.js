// Fluxly docs site, single-file form: every page is a <template>; the
// address's fragment names the page shown ("#/workflows/etl.html") and,
// after a second "#", the element to scroll to. Pages are cloned from
// their templates, never parsed from strings.
(function () {
  "use strict";

  var templates = {};
  Array.prototype.forEach.call(document.querySelectorAll("template[data-page]"), function (t) {
    templates[t.getAttribute("data-page")] = t;
  });
  var main = document.getElementById("content");
  var tocSlot = document.getElementById("toc-slot");
  var siteTitle = document.documentElement.getAttribute("data-site-title") || document.title;
  var current = "";

  function parse(hash) {
    if (hash.lastIndexOf("#/", 0) === 0) {
      var rest = hash.slice(2);
      var i = rest.indexOf("#");
      var frag = "";
      if (i >= 0) {
        frag = rest.slice(i + 1);
        rest = rest.slice(0, i);
      }
      return { page: rest || "index.html", frag: frag };
    }
    return { page: current || "index.html", frag: hash.slice(1) };
  }

  function show(page) {
    var t = templates[page];
    if (!t) {
      t = templates["index.html"];
      page = "index.html";
    }
    while (main.firstChild) {
      main.removeChild(main.firstChild);
    }
    while (tocSlot.firstChild) {
      tocSlot.removeChild(tocSlot.firstChild);
    }
    var content = t.content.cloneNode(true);
    var toc = content.querySelector("nav.toc");
    if (toc) {
      tocSlot.appendChild(toc);
    }
    main.appendChild(content);
    var title = t.getAttribute("data-title");
    document.title = title ? title + " · " + siteTitle : siteTitle;
    Array.prototype.forEach.call(document.querySelectorAll(".sidebar a"), function (a) {
      if (a.getAttribute("href") === "#/" + page) {
        a.setAttribute("aria-current", "page");
      } else {
        a.removeAttribute("aria-current");
      }
    });
    current = page;
    if (window.fluxlySite) {
      window.fluxlySite.setupContent(main);
    }
    if (window.fluxlyGraph) {
      Array.prototype.forEach.call(main.querySelectorAll("figure.diagram"), window.fluxlyGraph.setup);
    }
  }

  function route() {
    var r = parse(window.location.hash);
    if (r.frag.lastIndexOf("graph:", 0) === 0) {
      return; // the diagram's own state
    }
    if (r.page !== current) {
      show(r.page);
    }
    var target = r.frag && document.getElementById(r.frag);
    if (target) {
      target.scrollIntoView();
    } else {
      window.scrollTo(0, 0);
    }
  }

  window.addEventListener("hashchange", route);
  route();
})();
