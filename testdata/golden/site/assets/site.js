// Fluxly docs site: theme toggle, copy buttons, table of contents and
// search. Plain DOM code, no dependencies, no network: the search index is
// a script file next to this one, so search works from file:// as well as
// from any static host. Every string from the index is shown with
// textContent, never as HTML.
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

  function setupCopy(scope) {
    var blocks = scope.querySelectorAll(".content pre");
    Array.prototype.forEach.call(blocks, function (pre) {
      if (pre.querySelector("button.copy")) {
        return;
      }
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

  // ---- Tables ------------------------------------------------------------

  // labelTables gives every body cell its column's heading as data-label:
  // where a table of three columns or more is too wide for its place, it
  // is shown as one card per row with the heading above each cell
  // (site.css), instead of columns squeezed until words break.
  function labelTables(scope) {
    Array.prototype.forEach.call(scope.querySelectorAll(".content table"), function (table) {
      var head = table.tHead && table.tHead.rows[0];
      if (!head || table.classList.contains("labelled") || table.classList.contains("fields")) {
        return;
      }
      var names = Array.prototype.map.call(head.cells, function (c) { return c.textContent.trim(); });
      Array.prototype.forEach.call(table.tBodies, function (body) {
        Array.prototype.forEach.call(body.rows, function (row) {
          Array.prototype.forEach.call(row.cells, function (c, i) {
            if (names[i]) {
              c.setAttribute("data-label", names[i]);
            }
          });
        });
      });
      table.classList.add("labelled");
    });
  }

  // setupContent sets up content shown now or later: copy buttons, tables.
  function setupContent(scope) {
    setupCopy(scope);
    labelTables(scope);
  }

  // ---- Table of contents -------------------------------------------------

  // On narrow screens the table of contents sits above the page, closed;
  // on wide ones it is a sticky column, open.
  function setupTOC() {
    var details = document.querySelector(".toc details");
    if (!details || !window.matchMedia) {
      return;
    }
    var wide = window.matchMedia("(min-width: 75rem)");
    function apply() { details.open = wide.matches; }
    apply();
    if (wide.addEventListener) {
      wide.addEventListener("change", apply);
    }
  }

  // ---- Search ------------------------------------------------------------
  // The index (built with the site, see site/search.go) holds documents
  // and sorted stemmed terms with postings: [doc, field, doc, field…].

  var index = null;
  var loading = false;
  var maxResults = 20;
  var fieldWeight = [0, 1, 3, 10]; // text, extra, name
  var kindWeight = { workflow: 1.3, node: 1.2, page: 1.15, api: 1.05, input: 1, section: 0.95 };
  var stopWords = {};
  ("a an and are as at be by for from if in is it its of on or that the them then this to with").split(" ").forEach(function (w) { stopWords[w] = true; });

  // stem and terms agree with site/search.go.
  function stem(w) {
    if (w.length <= 3) {
      return w;
    }
    if (/ies$/.test(w) && w.length > 4) {
      w = w.slice(0, -3) + "y";
    } else if (/sses$/.test(w)) {
      w = w.slice(0, -2);
    } else if (/(shes|ches|xes)$/.test(w)) {
      w = w.slice(0, -2);
    } else if (/s$/.test(w) && !/(ss|us|is)$/.test(w)) {
      w = w.slice(0, -1);
    }
    if (/ing$/.test(w) && w.length > 5) {
      w = w.slice(0, -3);
    } else if (/ed$/.test(w) && w.length > 4) {
      w = w.slice(0, -2);
    }
    if (/e$/.test(w) && w.length > 4) {
      w = w.slice(0, -1);
    }
    return w;
  }

  function terms(s) {
    var out = [];
    s.replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, "$1 $2").toLowerCase().split(/[^\p{L}\p{N}]+/u).forEach(function (t) {
      if (t && !stopWords[t]) {
        out.push(t);
      }
    });
    return out;
  }

  // lowerBound returns the first term not less than t.
  function lowerBound(t) {
    var lo = 0;
    var hi = index.terms.length;
    while (lo < hi) {
      var mid = (lo + hi) >> 1;
      if (index.terms[mid] < t) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  // within reports whether a and b are at most d edits apart
  // (insertions, deletions, substitutions, adjacent transpositions).
  function within(a, b, d) {
    if (Math.abs(a.length - b.length) > d) {
      return false;
    }
    var prev2 = null;
    var prev = [];
    for (var j = 0; j <= b.length; j++) {
      prev.push(j);
    }
    for (var i = 1; i <= a.length; i++) {
      var cur = [i];
      var best = i;
      for (var k = 1; k <= b.length; k++) {
        var cost = a.charCodeAt(i - 1) === b.charCodeAt(k - 1) ? 0 : 1;
        var v = Math.min(prev[k] + 1, cur[k - 1] + 1, prev[k - 1] + cost);
        if (prev2 && i > 1 && k > 1 && a[i - 1] === b[k - 2] && a[i - 2] === b[k - 1]) {
          v = Math.min(v, prev2[k - 2] + 1);
        }
        cur.push(v);
        best = Math.min(best, v);
      }
      if (best > d) {
        return false;
      }
      prev2 = prev;
      prev = cur;
    }
    return prev[b.length] <= d;
  }

  // matchTerm returns, per document, the best score of one query word:
  // exact term (1), a term it starts (0.75), one or two typos away (0.5).
  function matchTerm(word) {
    var scores = {};
    function add(ti, quality) {
      var post = index.postings[ti];
      for (var p = 0; p < post.length; p += 2) {
        var s = quality * fieldWeight[post[p + 1]];
        if (!(scores[post[p]] >= s)) {
          scores[post[p]] = s;
        }
      }
    }
    var forms = [stem(word)];
    if (forms[0] !== word) {
      forms.push(word);
    }
    forms.forEach(function (f) {
      var i = lowerBound(f);
      if (i < index.terms.length && index.terms[i] === f) {
        add(i, 1);
      }
      for (var j = i; j < index.terms.length && index.terms[j].lastIndexOf(f, 0) === 0; j++) {
        if (index.terms[j] !== f) {
          add(j, 0.75);
        }
      }
    });
    if (word.length >= 4) {
      var d = word.length >= 8 ? 2 : 1;
      for (var t = 0; t < index.terms.length; t++) {
        var term = index.terms[t];
        if (term !== forms[0] && term.lastIndexOf(forms[0], 0) !== 0 && (within(forms[0], term, d) || within(word, term, d))) {
          add(t, d === 1 ? 0.5 : 0.35);
        }
      }
    }
    return scores;
  }

  // search returns the best documents for q: every word must match
  // (or, failing that, any word), ranked by score and kind.
  function search(q) {
    if (!index) {
      return [];
    }
    var words = terms(q.trim());
    if (!words.length) {
      return [];
    }
    var perWord = words.map(matchTerm);
    // nameOnly: every word's best match for d is in its name (a name
    // match scores at least 3.5, anything else at most 3).
    function nameOnly(d) {
      return perWord.every(function (scores) { return scores[d] >= 3.5; });
    }
    function rank(all) {
      var total = {};
      var hits = {};
      perWord.forEach(function (scores) {
        for (var d in scores) {
          total[d] = (total[d] || 0) + scores[d];
          hits[d] = (hits[d] || 0) + 1;
        }
      });
      var out = [];
      for (var d in total) {
        if (!all || hits[d] === words.length) {
          var e = index.docs[d];
          var s = total[d] * (kindWeight[e.k] || 1) * (all ? 1 : hits[d] / words.length);
          // A name that is all the query (every word matched in the name,
          // nothing else in it) beats a longer name sharing a word.
          if (all && nameOnly(d) && terms(e.n).length === words.length) {
            s *= 1.25;
          }
          out.push({ e: e, s: s, i: +d });
        }
      }
      return out;
    }
    var hits = rank(true);
    if (!hits.length && words.length > 1) {
      hits = rank(false);
    }
    hits.sort(function (a, b) { return b.s - a.s || a.i - b.i; });
    return hits.slice(0, maxResults).map(function (h) { return h.e; });
  }

  function loadIndex(then) {
    if (index) {
      then();
      return;
    }
    if (window.fluxlySearchIndex) {
      index = window.fluxlySearchIndex;
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
      index = window.fluxlySearchIndex || { docs: [], terms: [], postings: [] };
      then();
    };
    s.onerror = function () {
      loading = false;
    };
    document.head.appendChild(s);
  }

  var kindLabel = { workflow: "workflow", node: "node", input: "input", page: "page", section: "section", api: "API" };

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
      input.setAttribute("aria-activedescendant", as[selected].id);
      as[selected].scrollIntoView({ block: "nearest" });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
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
      hits.forEach(function (e, n) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = window.fluxlySingleFile ? "#/" + e.u : root + e.u;
        a.id = "search-hit-" + n;
        a.setAttribute("role", "option");
        a.setAttribute("data-kind", e.k);
        var kind = document.createElement("span");
        kind.className = "kind";
        kind.textContent = kindLabel[e.k] || e.k;
        a.appendChild(kind);
        var name = document.createElement("span");
        name.className = "name";
        name.textContent = e.n;
        a.appendChild(name);
        if (e.k !== "workflow" && e.k !== "page" && e.k !== "api") {
          var where = document.createElement("span");
          where.className = "where";
          where.textContent = e.w ? "in " + e.w : "every workflow";
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
      input.setAttribute("aria-expanded", "true");
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
      } else if (ev.key === "Home" && !list.hidden && links().length) {
        ev.preventDefault();
        select(0);
      } else if (ev.key === "End" && !list.hidden && links().length) {
        ev.preventDefault();
        select(-1);
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

  // For tests, the single-file site and the diagram's details panel: the
  // matcher, and a way to set up content shown later.
  window.fluxlySite = {
    search: function (q) { return search(q); },
    load: loadIndex,
    stem: stem,
    setupCopy: setupCopy,
    setupContent: setupContent,
    labelTables: labelTables
  };

  setupTheme();
  setupContent(document);
  setupTOC();
  setupSearch();
})();
