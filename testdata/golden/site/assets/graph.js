// Fluxly docs site: the interactive workflow diagram. It works on the
// inline Graphviz SVG, which stays the page's diagram without JavaScript:
// pan and zoom, click a node for its details (cloned from the node's
// section of the page, never built from strings), upstream and downstream
// highlight on hover and selection, a focus mode showing a node with N
// levels up and down, and the view in the URL (#graph:…) so a link
// reopens it. The graph's shape comes from a JSON data block beside the
// SVG. No network, no inline script or style attribute (CSSOM only).
(function () {
  "use strict";

  var PT = 4 / 3; // Graphviz sizes in points; 1pt is 4/3 CSS px at zoom 1

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function button(label, title, onClick) {
    var b = el("button", "", label);
    b.type = "button";
    b.title = title;
    b.setAttribute("aria-label", title);
    b.addEventListener("click", onClick);
    return b;
  }

  // lineage returns the nodes within `up` levels above and `down` levels
  // below start (Infinity: all), as sets of node indices.
  function walk(start, next, levels) {
    var seen = {};
    var frontier = [start];
    for (var depth = 0; depth < levels && frontier.length; depth++) {
      var nf = [];
      for (var i = 0; i < frontier.length; i++) {
        var list = next[frontier[i]];
        for (var j = 0; j < list.length; j++) {
          var v = list[j];
          if (!seen[v] && v !== start) {
            seen[v] = true;
            nf.push(v);
          }
        }
      }
      frontier = nf;
    }
    return seen;
  }

  function setup(fig) {
    var dataEl = fig.querySelector("script.graph-data");
    var canvas = fig.querySelector(".canvas");
    var svg = canvas && canvas.querySelector("svg");
    if (!dataEl || !svg || !svg.viewBox || !svg.viewBox.baseVal) {
      return;
    }
    var data;
    try {
      data = JSON.parse(dataEl.textContent);
    } catch (e) {
      return;
    }
    var n = data.nodes.length;
    var parents = [], children = [];
    for (var i = 0; i < n; i++) {
      parents.push([]);
      children.push([]);
    }
    var edgeEnds = data.edges;
    edgeEnds.forEach(function (e) {
      if (e[0] >= 0) {
        children[e[0]].push(e[1]);
        parents[e[1]].push(e[0]);
      }
    });
    var byName = {};
    data.nodes.forEach(function (nd, i) { byName[nd.n] = i; });
    var nodeEls = new Array(n);
    Array.prototype.forEach.call(svg.querySelectorAll("[data-n]"), function (g) { nodeEls[+g.getAttribute("data-n")] = g; });
    var edgeEls = new Array(edgeEnds.length);
    Array.prototype.forEach.call(svg.querySelectorAll("[data-e]"), function (g) { edgeEls[+g.getAttribute("data-e")] = g; });

    var vb0 = svg.viewBox.baseVal;
    var full = { x: vb0.x, y: vb0.y, w: vb0.width, h: vb0.height };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.setAttribute("focusable", "false");

    // ---- Layout of the widget ----
    fig.classList.add("interactive");
    var graph = fig.querySelector(".graph");
    var toolbar = el("div", "toolbar");
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", "Diagram");
    var focusBadge = el("span", "focus-badge");
    focusBadge.hidden = true;
    toolbar.appendChild(button("−", "Zoom out", function () { zoomBy(1 / 1.4); }));
    toolbar.appendChild(button("+", "Zoom in", function () { zoomBy(1.4); }));
    toolbar.appendChild(button("Fit", "Fit the diagram", function () { fit(); save(); }));
    toolbar.appendChild(focusBadge);
    graph.insertBefore(toolbar, canvas);
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "application");
    canvas.setAttribute("aria-label", "Workflow diagram: drag to pan, Ctrl and wheel or + and − to zoom, Tab to the nodes, Enter for a node's details");
    var panel = el("aside", "node-details");
    panel.hidden = true;
    panel.setAttribute("aria-live", "polite");
    graph.appendChild(panel);
    var hint = fig.querySelector(".hint");
    if (hint) {
      hint.textContent = "Click a node for its details; hover to see what it depends on and what depends on it. Drag to pan; Ctrl+wheel, pinch or +/− to zoom.";
    }

    // ---- View: the SVG's viewBox, k CSS px per unit ----
    var view = { x: full.x, y: full.y, k: 1 };
    var size = { w: 0, h: 0 };

    function measure() {
      size.w = canvas.clientWidth || 600;
      var natural = full.h * PT * Math.min(1, size.w / (full.w * PT));
      var h = Math.max(180, Math.min(natural + 16, Math.max(260, window.innerHeight * 0.62)));
      canvas.style.height = Math.round(h) + "px";
      size.h = h;
    }

    function apply() {
      svg.setAttribute("viewBox", [view.x, view.y, size.w / view.k, size.h / view.k].map(function (v) { return Math.round(v * 100) / 100; }).join(" "));
    }

    function fitBox(b) {
      var k = Math.min((size.w - 16) / b.w, (size.h - 16) / b.h, PT * 1.5);
      view.k = Math.max(k, 0.02);
      view.x = b.x + b.w / 2 - size.w / view.k / 2;
      view.y = b.y + b.h / 2 - size.h / view.k / 2;
      apply();
    }

    function fit() {
      if (state.focus) {
        fitBox(visibleBox());
      } else {
        fitBox(full);
      }
    }

    function zoomAt(f, px, py) {
      var k = Math.min(Math.max(view.k * f, 0.01), 12);
      var ux = view.x + px / view.k;
      var uy = view.y + py / view.k;
      view.k = k;
      view.x = ux - px / k;
      view.y = uy - py / k;
      apply();
      save();
    }

    function zoomBy(f) {
      zoomAt(f, size.w / 2, size.h / 2);
    }

    // visibleBox is the box of the nodes in focus, in SVG units.
    function visibleBox() {
      var r0 = svg.getBoundingClientRect();
      var box = null;
      nodeEls.forEach(function (g) {
        if (!g || !g.classList.contains("in")) {
          return;
        }
        var r = g.getBoundingClientRect();
        var b = {
          x1: view.x + (r.left - r0.left) / view.k, y1: view.y + (r.top - r0.top) / view.k,
          x2: view.x + (r.right - r0.left) / view.k, y2: view.y + (r.bottom - r0.top) / view.k
        };
        if (!box) {
          box = b;
        } else {
          box = { x1: Math.min(box.x1, b.x1), y1: Math.min(box.y1, b.y1), x2: Math.max(box.x2, b.x2), y2: Math.max(box.y2, b.y2) };
        }
      });
      if (!box) {
        return full;
      }
      var pad = 24;
      return { x: box.x1 - pad, y: box.y1 - pad, w: box.x2 - box.x1 + 2 * pad, h: box.y2 - box.y1 + 2 * pad };
    }

    // ---- Highlight and focus: classes on the few elements concerned ----
    var state = { sel: -1, focus: null }; // focus: {up, down}
    var lit = [];

    function clearLit() {
      lit.forEach(function (e) { e.classList.remove("sel", "up", "down", "on"); });
      lit = [];
      svg.classList.remove("lit");
    }

    function mark(e, cls) {
      if (e) {
        e.classList.add(cls);
        lit.push(e);
      }
    }

    function highlight(i) {
      clearLit();
      if (i < 0) {
        return;
      }
      var up = walk(i, parents, Infinity);
      var down = walk(i, children, Infinity);
      mark(nodeEls[i], "sel");
      for (var u in up) {
        mark(nodeEls[u], "up");
      }
      for (var d in down) {
        mark(nodeEls[d], "down");
      }
      edgeEnds.forEach(function (e, k) {
        if (e[0] < 0) {
          return;
        }
        if ((up[e[0]] && (up[e[1]] || e[1] === i)) || ((down[e[1]]) && (down[e[0]] || e[0] === i))) {
          mark(edgeEls[k], "on");
        }
      });
      svg.classList.add("lit");
    }

    var focused = [];

    function applyFocus() {
      focused.forEach(function (e) { e.classList.remove("in"); });
      focused = [];
      if (!state.focus || state.sel < 0) {
        svg.classList.remove("focus");
        focusBadge.hidden = true;
        return;
      }
      var i = state.sel;
      var set = {};
      set[i] = true;
      var up = walk(i, parents, state.focus.up);
      var down = walk(i, children, state.focus.down);
      for (var u in up) {
        set[u] = true;
      }
      for (var d in down) {
        set[d] = true;
      }
      for (var v in set) {
        if (nodeEls[v]) {
          nodeEls[v].classList.add("in");
          focused.push(nodeEls[v]);
        }
      }
      edgeEnds.forEach(function (e, k) {
        if (e[0] >= 0 && set[e[0]] && set[e[1]] && edgeEls[k]) {
          edgeEls[k].classList.add("in");
          focused.push(edgeEls[k]);
        }
      });
      svg.classList.add("focus");
      focusBadge.hidden = false;
      while (focusBadge.firstChild) {
        focusBadge.removeChild(focusBadge.firstChild);
      }
      focusBadge.appendChild(document.createTextNode("Focus: " + data.nodes[i].n + " (" + state.focus.up + " up, " + state.focus.down + " down) "));
      focusBadge.appendChild(button("Exit", "Show the whole diagram", function () { setFocus(null); }));
    }

    function setFocus(f) {
      state.focus = f;
      applyFocus();
      fit();
      renderPanel();
      save();
    }

    // ---- Details panel: the node's section of the page, cloned ----
    function sectionOf(i) {
      var h = document.getElementById(data.nodes[i].a);
      var out = [];
      if (!h) {
        return out;
      }
      for (var s = h.nextElementSibling; s && !/^H[1-3]$/.test(s.tagName); s = s.nextElementSibling) {
        var c = s.cloneNode(true);
        Array.prototype.forEach.call(c.querySelectorAll("[id]"), function (x) { x.removeAttribute("id"); });
        c.removeAttribute("id");
        Array.prototype.forEach.call(c.querySelectorAll("button.copy"), function (x) { x.remove(); });
        out.push(c);
      }
      return out;
    }

    function stepper(label, value, onChange) {
      var wrap = el("span", "stepper");
      wrap.appendChild(el("span", "", label + " "));
      var out = el("output", "", String(value));
      wrap.appendChild(button("−", label + ": one level fewer", function () { onChange(Math.max(0, value - 1)); }));
      wrap.appendChild(out);
      wrap.appendChild(button("+", label + ": one level more", function () { onChange(Math.min(20, value + 1)); }));
      return wrap;
    }

    function renderPanel() {
      while (panel.firstChild) {
        panel.removeChild(panel.firstChild);
      }
      var i = state.sel;
      if (i < 0) {
        panel.hidden = true;
        graph.classList.remove("with-panel");
        return;
      }
      var nd = data.nodes[i];
      var head = el("div", "head");
      var title = el("h3", "", nd.n);
      head.appendChild(title);
      head.appendChild(button("×", "Close the details", function () { select(-1); }));
      panel.appendChild(head);
      var counts = el("p", "lineage");
      counts.textContent = parents[i].length + " parent" + (parents[i].length === 1 ? "" : "s") + ", " +
        children[i].length + " child" + (children[i].length === 1 ? "" : "ren") + " · " +
        Object.keys(walk(i, parents, Infinity)).length + " upstream, " + Object.keys(walk(i, children, Infinity)).length + " downstream";
      panel.appendChild(counts);
      var actions = el("div", "actions");
      var f = state.focus || { up: 1, down: 1 };
      if (state.focus) {
        actions.appendChild(stepper("Up", f.up, function (v) { setFocus({ up: v, down: f.down }); }));
        actions.appendChild(stepper("Down", f.down, function (v) { setFocus({ up: f.up, down: v }); }));
        actions.appendChild(button("Exit focus", "Show the whole diagram", function () { setFocus(null); }));
      } else {
        actions.appendChild(button("Focus", "Show only this node and its neighbours", function () { setFocus({ up: 1, down: 1 }); }));
      }
      var go = el("a", "go", "Go to section");
      go.href = "#" + nd.a;
      actions.appendChild(go);
      panel.appendChild(actions);
      var body = el("div", "body");
      sectionOf(i).forEach(function (c) { body.appendChild(c); });
      panel.appendChild(body);
      panel.hidden = false;
      graph.classList.add("with-panel");
    }

    function select(i) {
      state.sel = i;
      if (i < 0) {
        state.focus = null;
        applyFocus();
      }
      highlight(i);
      if (state.focus) {
        applyFocus();
      }
      renderPanel();
      save();
    }

    // ---- URL state: #graph:n=<name>&f=<up>,<down>&v=<x>,<y>,<k> ----
    var saveTimer = 0;

    function save() {
      if (window.fluxlySingleFile) {
        return; // the address names the page there
      }
      window.clearTimeout(saveTimer);
      saveTimer = window.setTimeout(function () {
        var parts = [];
        if (state.sel >= 0) {
          parts.push("n=" + encodeURIComponent(data.nodes[state.sel].n));
        }
        if (state.focus) {
          parts.push("f=" + state.focus.up + "," + state.focus.down);
        }
        parts.push("v=" + [view.x, view.y].map(function (v) { return Math.round(v); }).join(",") + "," + Math.round(view.k * 1000) / 1000);
        try {
          window.history.replaceState(window.history.state, "", "#graph:" + parts.join("&"));
        } catch (e) {
          // Some file:// setups refuse; the view still works.
        }
      }, 150);
    }

    function restore() {
      var h = window.fluxlySingleFile ? "" : window.location.hash;
      if (h.lastIndexOf("#graph:", 0) !== 0) {
        return false;
      }
      var q = {};
      h.slice(7).split("&").forEach(function (kv) {
        var p = kv.indexOf("=");
        if (p > 0) {
          try {
            q[kv.slice(0, p)] = decodeURIComponent(kv.slice(p + 1));
          } catch (e) {
            // Ignored: a hand-edited link.
          }
        }
      });
      if (q.n !== undefined && byName.hasOwnProperty(q.n)) {
        state.sel = byName[q.n];
        if (q.f) {
          var f = q.f.split(",").map(Number);
          if (f.length === 2 && f[0] >= 0 && f[1] >= 0 && f[0] <= 20 && f[1] <= 20) {
            state.focus = { up: f[0], down: f[1] };
          }
        }
        highlight(state.sel);
        applyFocus();
        renderPanel();
      }
      var v = (q.v || "").split(",").map(Number);
      if (v.length === 3 && v.every(isFinite) && v[2] > 0) {
        view.x = v[0];
        view.y = v[1];
        view.k = v[2];
        apply();
      } else {
        fit();
      }
      fig.scrollIntoView({ block: "start" });
      return true;
    }

    // ---- Input: pointer (drag, pinch), wheel, keys, clicks ----
    var pointers = {};
    var drag = null;

    canvas.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 && ev.pointerType === "mouse") {
        return;
      }
      pointers[ev.pointerId] = { x: ev.clientX, y: ev.clientY };
      drag = { moved: false, x: ev.clientX, y: ev.clientY };
    });
    canvas.addEventListener("pointermove", function (ev) {
      var p = pointers[ev.pointerId];
      if (!p || !drag) {
        return;
      }
      var ids = Object.keys(pointers);
      if (ids.length === 2) {
        var other = pointers[ids[0] === String(ev.pointerId) ? ids[1] : ids[0]];
        var d0 = Math.hypot(p.x - other.x, p.y - other.y);
        var d1 = Math.hypot(ev.clientX - other.x, ev.clientY - other.y);
        var r = canvas.getBoundingClientRect();
        if (d0 > 0) {
          zoomAt(d1 / d0, (ev.clientX + other.x) / 2 - r.left, (ev.clientY + other.y) / 2 - r.top);
        }
        drag.moved = true;
      } else {
        var dx = ev.clientX - p.x;
        var dy = ev.clientY - p.y;
        if (!drag.moved && Math.hypot(ev.clientX - drag.x, ev.clientY - drag.y) < 5) {
          return;
        }
        if (!drag.moved) {
          drag.moved = true;
          canvas.setPointerCapture(ev.pointerId);
          canvas.classList.add("dragging");
        }
        view.x -= dx / view.k;
        view.y -= dy / view.k;
        apply();
      }
      p.x = ev.clientX;
      p.y = ev.clientY;
    });
    function up(ev) {
      delete pointers[ev.pointerId];
      canvas.classList.remove("dragging");
      if (drag && drag.moved) {
        save();
      }
    }
    canvas.addEventListener("pointerup", up);
    canvas.addEventListener("pointercancel", up);
    canvas.addEventListener("wheel", function (ev) {
      if (!ev.ctrlKey && !ev.metaKey) {
        return; // the page scrolls
      }
      ev.preventDefault();
      var r = canvas.getBoundingClientRect();
      zoomAt(Math.exp(-ev.deltaY * 0.002), ev.clientX - r.left, ev.clientY - r.top);
    }, { passive: false });
    canvas.addEventListener("click", function (ev) {
      var g = ev.target.closest && ev.target.closest("[data-n]");
      if (drag && drag.moved) {
        ev.preventDefault();
        drag = null;
        return;
      }
      drag = null;
      if (!g) {
        return;
      }
      ev.preventDefault();
      var i = +g.getAttribute("data-n");
      select(state.sel === i && !state.focus ? -1 : i);
    });
    canvas.addEventListener("pointerover", function (ev) {
      var g = ev.target.closest && ev.target.closest("[data-n]");
      if (g && !drag) {
        highlight(+g.getAttribute("data-n"));
      }
    });
    canvas.addEventListener("pointerout", function (ev) {
      var g = ev.target.closest && ev.target.closest("[data-n]");
      if (g && !(ev.relatedTarget && g.contains(ev.relatedTarget))) {
        highlight(state.sel);
      }
    });
    canvas.addEventListener("keydown", function (ev) {
      var step = 60 / view.k;
      switch (ev.key) {
        case "+":
        case "=":
          zoomBy(1.25);
          break;
        case "-":
          zoomBy(0.8);
          break;
        case "0":
          fit();
          save();
          break;
        case "ArrowLeft":
          view.x -= step;
          apply();
          save();
          break;
        case "ArrowRight":
          view.x += step;
          apply();
          save();
          break;
        case "ArrowUp":
          view.y -= step;
          apply();
          save();
          break;
        case "ArrowDown":
          view.y += step;
          apply();
          save();
          break;
        case "Escape":
          if (state.focus) {
            setFocus(null);
          } else {
            select(-1);
          }
          break;
        default:
          return;
      }
      ev.preventDefault();
    });
    // Links to nodes inside the panel (parents, children) select them.
    panel.addEventListener("click", function (ev) {
      var a = ev.target.closest && ev.target.closest("a[href^='#node-']");
      if (!a || a.classList.contains("go")) {
        return;
      }
      var anchor = a.getAttribute("href").slice(1);
      for (var k = 0; k < n; k++) {
        if (data.nodes[k].a === anchor) {
          ev.preventDefault();
          select(k);
          if (state.focus) {
            setFocus(state.focus);
          }
          return;
        }
      }
    });
    if (!window.fluxlySingleFile) {
      window.addEventListener("hashchange", function () {
        restore();
      });
    }
    var resizeTimer = 0;
    window.addEventListener("resize", function () {
      window.clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(function () {
        measure();
        apply();
      }, 100);
    });

    measure();
    if (!restore()) {
      fit();
    }
    fig.setAttribute("data-ready", "true");
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure.diagram"), setup);
  if (window.performance && performance.mark) {
    performance.mark("fluxly-graph-ready");
  }
  window.fluxlyGraph = { setup: setup };
})();
