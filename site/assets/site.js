// Fluxly docs site: theme toggle, copy buttons and search. Plain DOM code,
// no dependencies, no network: the search index is a script file next to
// this one, so search works from file:// as well as from any static host.
// Every string from the index is shown with textContent, never as HTML.
(function () {
  "use strict";

  var doc = document.documentElement;
  var root = doc.getAttribute("data-root") || "";

  // ---- Theme -------------------------------------------------------------

  var dark = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;

  function effectiveTheme() {
    var t = doc.getAttribute("data-theme");
    if (t === "dark" || t === "light") {
      return t;
    }
    return dark && dark.matches ? "dark" : "light";
  }

  function setupTheme() {
    var button = document.getElementById("theme-toggle");
    if (!button) {
      return;
    }
    function label() {
      var isDark = effectiveTheme() === "dark";
      button.textContent = isDark ? "Light" : "Dark";
      button.setAttribute("aria-pressed", isDark ? "true" : "false");
      button.title = isDark ? "Switch to the light theme" : "Switch to the dark theme";
    }
    button.addEventListener("click", function () {
      var next = effectiveTheme() === "dark" ? "light" : "dark";
      doc.setAttribute("data-theme", next);
      try {
        window.localStorage.setItem("fluxly-theme", next);
      } catch (e) {
        // Not remembered; still applied to this page.
      }
      label();
    });
    if (dark && dark.addEventListener) {
      dark.addEventListener("change", label);
    }
    label();
    button.hidden = false;
  }

  // ---- Copy buttons ------------------------------------------------------

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).then(function () { return true; }, function () { return legacyCopy(text); });
    }
    return Promise.resolve(legacyCopy(text));
  }

  function legacyCopy(text) {
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "copy-buffer";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    document.body.removeChild(area);
    return ok;
  }

  function setupCopy() {
    var blocks = document.querySelectorAll(".content pre");
    Array.prototype.forEach.call(blocks, function (pre) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "copy";
      button.textContent = "Copy";
      button.setAttribute("aria-label", "Copy to clipboard");
      button.addEventListener("click", function () {
        var code = pre.querySelector("code") || pre;
        copyText(code.textContent.replace(/\n$/, "")).then(function (ok) {
          button.textContent = ok ? "Copied" : "Press Ctrl+C";
          window.setTimeout(function () { button.textContent = "Copy"; }, 1500);
        });
      });
      pre.appendChild(button);
    });
  }

  // ---- Search ------------------------------------------------------------

  var index = null; // [{k, n, w, d, u, x, hay}]
  var loading = false;
  var maxResults = 30;

  function loadIndex(then) {
    if (index) {
      then();
      return;
    }
    if (loading) {
      return;
    }
    loading = true;
    var s = document.createElement("script");
    s.src = root + "assets/search-index.js";
    s.onload = function () {
      var data = window.fluxlySearchIndex || { entries: [] };
      index = data.entries.map(function (e) {
        e.hay = [e.n, e.w, e.x || "", e.d || ""].join(" ").toLowerCase();
        e.name = e.n.toLowerCase();
        return e;
      });
      then();
    };
    s.onerror = function () {
      loading = false;
    };
    document.head.appendChild(s);
  }

  function score(e, q, terms) {
    for (var i = 0; i < terms.length; i++) {
      if (e.hay.indexOf(terms[i]) < 0) {
        return 0;
      }
    }
    var s = 1;
    if (e.name === q) {
      s = 100;
    } else if (e.name.indexOf(q) === 0) {
      s = 50;
    } else if (e.name.indexOf(q) >= 0) {
      s = 20;
    } else if ((e.x || "").toLowerCase().indexOf(q) >= 0) {
      s = 10;
    }
    return s + (e.k === "workflow" ? 3 : e.k === "node" ? 2 : 1);
  }

  function search(q) {
    q = q.trim().toLowerCase();
    if (!q || !index) {
      return [];
    }
    var terms = q.split(/\s+/);
    var hits = [];
    for (var i = 0; i < index.length; i++) {
      var s = score(index[i], q, terms);
      if (s > 0) {
        hits.push({ e: index[i], s: s, i: i });
      }
    }
    hits.sort(function (a, b) { return b.s - a.s || a.i - b.i; });
    return hits.slice(0, maxResults).map(function (h) { return h.e; });
  }

  function setupSearch() {
    var box = document.querySelector(".search");
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    if (!box || !input || !list) {
      return;
    }
    var selected = -1;

    function links() {
      return list.querySelectorAll("a");
    }

    function select(i) {
      var as = links();
      if (!as.length) {
        selected = -1;
        return;
      }
      selected = (i + as.length) % as.length;
      Array.prototype.forEach.call(as, function (a, j) {
        a.setAttribute("aria-selected", j === selected ? "true" : "false");
      });
      as[selected].scrollIntoView({ block: "nearest" });
    }

    function close() {
      list.hidden = true;
      selected = -1;
    }

    function render() {
      var q = input.value;
      while (list.firstChild) {
        list.removeChild(list.firstChild);
      }
      selected = -1;
      if (!q.trim()) {
        close();
        return;
      }
      var hits = search(q);
      if (!hits.length) {
        var li = document.createElement("li");
        li.className = "empty";
        li.textContent = index ? "No matches" : "Loading…";
        list.appendChild(li);
      }
      hits.forEach(function (e) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + e.u;
        a.setAttribute("role", "option");
        a.setAttribute("data-kind", e.k);
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = e.k;
        a.appendChild(kind);
        a.appendChild(document.createTextNode(e.n));
        if (e.k !== "workflow") {
          var where = document.createElement("span");
          where.className = "where";
          where.textContent = "in " + e.w;
          a.appendChild(where);
        }
        if (e.d) {
          var snip = document.createElement("span");
          snip.className = "snippet";
          snip.textContent = e.d;
          a.appendChild(snip);
        }
        a.addEventListener("click", close);
        li.appendChild(a);
        list.appendChild(li);
      });
      list.hidden = false;
    }

    input.addEventListener("focus", function () { loadIndex(render); });
    input.addEventListener("input", function () { loadIndex(render); render(); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "ArrowDown") {
        ev.preventDefault();
        select(selected + 1);
      } else if (ev.key === "ArrowUp") {
        ev.preventDefault();
        select(selected - 1);
      } else if (ev.key === "Enter") {
        var as = links();
        if (as.length) {
          ev.preventDefault();
          var a = as[selected >= 0 ? selected : 0];
          close();
          window.location.href = a.href;
        }
      } else if (ev.key === "Escape") {
        close();
        input.blur();
      }
    });
    document.addEventListener("click", function (ev) {
      if (!box.contains(ev.target)) {
        close();
      }
    });
    document.addEventListener("keydown", function (ev) {
      if (ev.key === "/" && document.activeElement !== input && !/^(INPUT|TEXTAREA|SELECT)$/.test(ev.target.tagName)) {
        ev.preventDefault();
        input.focus();
      }
    });
    box.hidden = false;
  }

  setupTheme();
  setupCopy();
  setupSearch();
})();
