// Fluxly docs site: the interactive workflow diagram. A diagram of up to a
// few hundred nodes is the inline Graphviz SVG, which stays the page's
// diagram without JavaScript; a larger one is drawn here on a <canvas>
// from the layout's geometry (a data block of the page; the SVG file is
// the fallback without JavaScript), culled to the view, with highlights
// on a layer of their own. Both give pan and zoom, a node's details on
// click (cloned from the node's section of the page, never built from
// strings), upstream and downstream highlight on hover and selection, a
// focus mode showing a node with N levels up and down, and the view in the
// URL (#graph:…) so a link reopens it. No network, no inline script or
// style attribute (CSSOM only). The script runs right after its figure,
// before the rest of a long page has been read.
(function () {
  "use strict";

  if (window.performance && performance.mark) {
    performance.mark("fluxly-graph-start");
  }
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

  // walk returns the nodes within `levels` levels of start along next
  // (parents or children; Infinity: all), as a set of node indices. Its
  // cost is that of the set it returns.
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

  // ---- The inline SVG: classes on the few elements concerned ----

  function svgSurface(fig, holder, data, view, size) {
    var svg = holder.querySelector("svg");
    if (!svg || !svg.viewBox || !svg.viewBox.baseVal) {
      return null;
    }
    var nodeEls = [];
    Array.prototype.forEach.call(svg.querySelectorAll("[data-n]"), function (g) { nodeEls[+g.getAttribute("data-n")] = g; });
    var edgeEls = [];
    Array.prototype.forEach.call(svg.querySelectorAll("[data-e]"), function (g) { edgeEls[+g.getAttribute("data-e")] = g; });
    var vb0 = svg.viewBox.baseVal;
    var full = { x: vb0.x, y: vb0.y, w: vb0.width, h: vb0.height };
    svg.removeAttribute("width");
    svg.removeAttribute("height");
    svg.setAttribute("preserveAspectRatio", "xMidYMid meet");
    svg.setAttribute("focusable", "false");
    var lit = [];
    var focused = [];

    function mark(list, e, cls) {
      if (e) {
        e.classList.add(cls);
        list.push(e);
      }
    }

    return {
      full: full,
      render: function () {
        svg.setAttribute("viewBox", [view.x, view.y, size.w / view.k, size.h / view.k].map(function (v) { return Math.round(v * 100) / 100; }).join(" "));
      },
      lit: function (sel, up, down, on) {
        lit.forEach(function (e) { e.classList.remove("sel", "up", "down", "on"); });
        lit = [];
        svg.classList.toggle("lit", sel >= 0);
        if (sel < 0) {
          return;
        }
        mark(lit, nodeEls[sel], "sel");
        for (var u in up) {
          mark(lit, nodeEls[u], "up");
        }
        for (var d in down) {
          mark(lit, nodeEls[d], "down");
        }
        on.forEach(function (k) { mark(lit, edgeEls[k], "on"); });
      },
      focus: function (set, edges) {
        focused.forEach(function (e) { e.classList.remove("in"); });
        focused = [];
        svg.classList.toggle("focus", !!set);
        if (!set) {
          return;
        }
        for (var v in set) {
          mark(focused, nodeEls[v], "in");
        }
        edges.forEach(function (k) { mark(focused, edgeEls[k], "in"); });
      },
      nodeAt: function (ev) {
        var g = ev.target.closest && ev.target.closest("[data-n]");
        return g ? +g.getAttribute("data-n") : -1;
      },
      // box is the box of some nodes, in SVG units.
      box: function (set) {
        var r0 = svg.getBoundingClientRect();
        var box = null;
        for (var v in set) {
          if (!nodeEls[v]) {
            continue;
          }
          var r = nodeEls[v].getBoundingClientRect();
          var b = [view.x + (r.left - r0.left) / view.k, view.y + (r.top - r0.top) / view.k,
            view.x + (r.right - r0.left) / view.k, view.y + (r.bottom - r0.top) / view.k];
          box = box ? [Math.min(box[0], b[0]), Math.min(box[1], b[1]), Math.max(box[2], b[2]), Math.max(box[3], b[3])] : b;
        }
        return box;
      },
      nodeBox: function (i) {
        var s = {};
        s[i] = true;
        return this.box(s);
      },
      restyle: function () {}
    };
  }

  // ---- The canvas: geometry drawn from the data block ----

  // Shape types of geometry.go.
  var POLYGON = 0, BEZIER = 1, CLOSED = 2, ELLIPSE = 3, POLYLINE = 4, TEXT = 5, ROUNDED = 6;

  // rounded traces Graphviz's rounded box as Graphviz draws it (the same
  // curves as geometry.go's roundedPath).
  function rounded(ctx, x1, y1, x2, y2, r) {
    var h = r / 2;
    ctx.moveTo(x2 - r, y1);
    ctx.lineTo(x1 + r, y1);
    ctx.bezierCurveTo(x1 + h, y1, x1, y1 + h, x1, y1 + r);
    ctx.lineTo(x1, y2 - r);
    ctx.bezierCurveTo(x1, y2 - h, x1 + h, y2, x1 + r, y2);
    ctx.lineTo(x2 - r, y2);
    ctx.bezierCurveTo(x2 - h, y2, x2, y2 - h, x2, y2 - r);
    ctx.lineTo(x2, y1 + r);
    ctx.bezierCurveTo(x2, y1 + h, x2 - h, y1, x2 - r, y1);
    ctx.closePath();
  }

  function canvasSurface(fig, holder, data, view, size) {
    var geo = data.geo;
    var full = { x: 0, y: 0, w: geo.w, h: geo.h };
    var base = el("canvas", "base");
    var over = el("canvas", "overlay");
    base.setAttribute("aria-hidden", "true");
    over.setAttribute("aria-hidden", "true");
    holder.appendChild(base);
    holder.appendChild(over);
    var bctx = base.getContext("2d");
    var octx = over.getContext("2d");
    if (!bctx || !octx) {
      return null;
    }
    var nodes = geo.n, edges = geo.e, groups = geo.g;
    var dpr = 1;

    // A uniform grid over the diagram: which nodes and edges touch each
    // cell, so a view or a point looks at its cells only.
    function grid(items) {
      var cell = Math.max(24, Math.sqrt(full.w * full.h / 4096));
      var cols = Math.max(1, Math.ceil(full.w / cell)), rows = Math.max(1, Math.ceil(full.h / cell));
      var cells = new Array(cols * rows);
      items.forEach(function (it, i) {
        if (!it) {
          return;
        }
        var c1 = clamp(Math.floor(it[0] / cell), 0, cols - 1), c2 = clamp(Math.floor(it[2] / cell), 0, cols - 1);
        var r1 = clamp(Math.floor(it[1] / cell), 0, rows - 1), r2 = clamp(Math.floor(it[3] / cell), 0, rows - 1);
        for (var r = r1; r <= r2; r++) {
          for (var c = c1; c <= c2; c++) {
            var k = r * cols + c;
            (cells[k] || (cells[k] = [])).push(i);
          }
        }
      });
      return { cell: cell, cols: cols, rows: rows, cells: cells, stamp: new Uint32Array(items.length), gen: 0 };
    }

    function clamp(v, lo, hi) {
      return v < lo ? lo : v > hi ? hi : v;
    }

    // query returns the items whose cells meet the box, in drawing order.
    function query(g, x1, y1, x2, y2) {
      var out = [];
      g.gen++;
      var c1 = clamp(Math.floor(x1 / g.cell), 0, g.cols - 1), c2 = clamp(Math.floor(x2 / g.cell), 0, g.cols - 1);
      var r1 = clamp(Math.floor(y1 / g.cell), 0, g.rows - 1), r2 = clamp(Math.floor(y2 / g.cell), 0, g.rows - 1);
      for (var r = r1; r <= r2; r++) {
        for (var c = c1; c <= c2; c++) {
          var list = g.cells[r * g.cols + c];
          if (!list) {
            continue;
          }
          for (var j = 0; j < list.length; j++) {
            var i = list[j];
            if (g.stamp[i] !== g.gen) {
              g.stamp[i] = g.gen;
              out.push(i);
            }
          }
        }
      }
      return out.sort(function (a, b) { return a - b; });
    }

    var nodeGrid = grid(nodes);
    var edgeGrid = grid(edges);

    // ---- Styles: each style of the geometry as a hidden SVG element of
    // the figure, so the site's CSS (and its theme) decides the colours.
    var VARIANTS = { n: ["", "sel", "up", "down"], e: ["", "on"], g: [""], o: [""] };
    var styles = []; // styles[i][variant] = {fill, stroke, width, dash, alpha, font, align, size}

    function parseColor(c) {
      return !c || c === "none" || c === "transparent" || /^rgba\(.*,\s*0\)$/.test(c) ? null : c;
    }

    function restyle() {
      var NS = "http://www.w3.org/2000/svg";
      var probe = document.createElementNS(NS, "svg");
      probe.setAttribute("class", "probe");
      probe.setAttribute("aria-hidden", "true");
      var root = document.createElementNS(NS, "g");
      root.setAttribute("class", "graph");
      probe.appendChild(root);
      var made = [];
      geo.st.forEach(function (st, i) {
        made[i] = {};
        VARIANTS[st[0]].forEach(function (variant) {
          var parent = root;
          if (st[0] !== "o") {
            parent = document.createElementNS(NS, "g");
            parent.setAttribute("class", st[1] + (variant ? " " + variant : ""));
            parent.setAttribute("data-" + st[0], "0");
            root.appendChild(parent);
          }
          var shape = document.createElementNS(NS, st[2]);
          st[3].forEach(function (a) { shape.setAttribute(a[0], a[1]); });
          parent.appendChild(shape);
          made[i][variant] = shape;
        });
      });
      fig.appendChild(probe);
      styles = made.map(function (byVariant) {
        var out = {};
        for (var variant in byVariant) {
          var cs = window.getComputedStyle(byVariant[variant]);
          var alpha = parseFloat(cs.opacity);
          var dash = cs.strokeDasharray && cs.strokeDasharray !== "none" ? cs.strokeDasharray.split(/[\s,]+/).map(parseFloat).filter(isFinite) : [];
          var size = parseFloat(cs.fontSize) || 14;
          out[variant] = {
            fill: parseColor(cs.fill),
            stroke: parseColor(cs.stroke),
            fillAlpha: alpha * (isFinite(parseFloat(cs.fillOpacity)) ? parseFloat(cs.fillOpacity) : 1),
            strokeAlpha: alpha * (isFinite(parseFloat(cs.strokeOpacity)) ? parseFloat(cs.strokeOpacity) : 1),
            width: parseFloat(cs.strokeWidth) || 1,
            dash: dash,
            font: cs.fontStyle + " " + cs.fontWeight + " " + size + "px " + cs.fontFamily,
            size: size,
            align: { middle: "center", end: "right" }[cs.textAnchor] || "left"
          };
        }
        return out;
      });
      fig.removeChild(probe);
    }

    // ---- Drawing ----

    function trace(ctx, s) {
      var i;
      switch (s[1]) {
        case POLYGON:
        case POLYLINE:
          ctx.moveTo(s[2], s[3]);
          for (i = 4; i + 1 < s.length; i += 2) {
            ctx.lineTo(s[i], s[i + 1]);
          }
          if (s[1] === POLYGON) {
            ctx.closePath();
          }
          break;
        case BEZIER:
        case CLOSED:
          ctx.moveTo(s[2], s[3]);
          for (i = 4; i + 5 < s.length; i += 6) {
            ctx.bezierCurveTo(s[i], s[i + 1], s[i + 2], s[i + 3], s[i + 4], s[i + 5]);
          }
          if (s[1] === CLOSED) {
            ctx.closePath();
          }
          break;
        case ROUNDED:
          rounded(ctx, s[2], s[3], s[4], s[5], s[6]);
          break;
        case ELLIPSE:
          ctx.moveTo(s[2] + s[4], s[3]);
          ctx.ellipse(s[2], s[3], s[4], s[5], 0, 0, 2 * Math.PI);
          break;
      }
    }

    // paint draws the shapes of some items with one path per style: a
    // few canvas calls whatever the number of shapes.
    function paint(ctx, list, ids, variantOf, texts) {
      var byStyle = {};
      var order = [];
      var tiny = [];
      var minPx = 3 / view.k; // an item smaller than 3px is a dot
      for (var j = 0; j < ids.length; j++) {
        var it = list[ids[j]];
        if (!it) {
          continue;
        }
        var variant = variantOf ? variantOf(ids[j]) : "";
        if (list === nodes && it[2] - it[0] < minPx && it[3] - it[1] < minPx) {
          tiny.push(it, variant);
          continue;
        }
        var shapes = it[4];
        for (var k = 0; k < shapes.length; k++) {
          var s = shapes[k];
          if (s[1] === TEXT) {
            texts.push(s, variant);
            continue;
          }
          var key = s[0] + ":" + variant;
          if (!byStyle[key]) {
            byStyle[key] = [];
            order.push(key);
          }
          byStyle[key].push(s);
        }
      }
      order.forEach(function (key) {
        var p = key.split(":");
        var st = styles[+p[0]][p[1]];
        var shapes = byStyle[key];
        ctx.beginPath();
        shapes.forEach(function (s) { trace(ctx, s); });
        if (st.fill) {
          ctx.globalAlpha = st.fillAlpha;
          ctx.fillStyle = st.fill;
          ctx.fill();
        }
        if (st.stroke) {
          ctx.globalAlpha = st.strokeAlpha;
          ctx.strokeStyle = st.stroke;
          ctx.lineWidth = Math.max(st.width, 1 / (view.k * dpr));
          ctx.setLineDash(st.dash.length && (st.dash[0] + (st.dash[1] || 0)) * view.k >= 3 ? st.dash : []);
          ctx.stroke();
        }
      });
      ctx.globalAlpha = 1;
      ctx.setLineDash([]);
      for (var t = 0; t < tiny.length; t += 2) {
        var sh = tiny[t][4][0];
        var tst = sh && styles[sh[0]][tiny[t + 1]];
        ctx.fillStyle = (tst && (tst.stroke || tst.fill)) || "#888";
        ctx.fillRect(tiny[t][0], tiny[t][1], Math.max(tiny[t][2] - tiny[t][0], minPx / 2), Math.max(tiny[t][3] - tiny[t][1], minPx / 2));
      }
    }

    function paintTexts(ctx, texts) {
      var last = null;
      for (var i = 0; i < texts.length; i += 2) {
        var s = texts[i];
        if (s[4] * view.k < 4) {
          continue; // too small to read: skipped
        }
        var st = styles[s[0]][texts[i + 1]];
        if (!st.fill) {
          continue;
        }
        if (st !== last) {
          ctx.font = st.font;
          ctx.fillStyle = st.fill;
          ctx.globalAlpha = st.fillAlpha;
          ctx.textAlign = st.align;
          ctx.textBaseline = "alphabetic";
          last = st;
        }
        ctx.fillText(s[5], s[2], s[3]);
      }
      ctx.globalAlpha = 1;
    }

    function begin(ctx) {
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
      var s = view.k * dpr;
      ctx.setTransform(s, 0, 0, s, -view.x * s, -view.y * s);
    }

    function viewBox() {
      var m = 8 / view.k;
      return [view.x - m, view.y - m, view.x + size.w / view.k + m, view.y + size.h / view.k + m];
    }

    function meets(it, b) {
      return it && it[0] <= b[2] && it[2] >= b[0] && it[1] <= b[3] && it[3] >= b[1];
    }

    var focusSet = null, focusEdges = null;
    var litState = null; // {sel, up, down, on}

    function visible(list, g, only) {
      var b = viewBox();
      var ids = only ? only.filter(function (i) { return meets(list[i], b); }) : query(g, b[0], b[1], b[2], b[3]);
      return ids.filter(function (i) { return meets(list[i], b); });
    }

    function drawBase() {
      begin(bctx);
      var texts = [];
      if (!focusSet) {
        var b = viewBox();
        var gs = [];
        groups.forEach(function (it, i) {
          if (meets(it, b)) {
            gs.push(i);
          }
        });
        paint(bctx, groups, gs, null, texts);
        paint(bctx, [[0, 0, full.w, full.h, geo.o]], [0], null, texts);
      }
      paint(bctx, edges, visible(edges, edgeGrid, focusEdges), null, texts);
      paint(bctx, nodes, visible(nodes, nodeGrid, focusSet && Object.keys(focusSet).map(Number)), null, texts);
      paintTexts(bctx, texts);
    }

    function drawOver() {
      begin(octx);
      base.classList.toggle("dim", !!litState);
      if (!litState) {
        return;
      }
      var l = litState;
      var texts = [];
      var on = focusSet ? l.on.filter(function (k) { return focusSet[data.edges[k][0]] && focusSet[data.edges[k][1]]; }) : l.on;
      paint(octx, edges, visible(edges, null, on), function () { return "on"; }, texts);
      var ids = [l.sel].concat(Object.keys(l.up).map(Number), Object.keys(l.down).map(Number));
      if (focusSet) {
        ids = ids.filter(function (i) { return focusSet[i]; });
      }
      ids.sort(function (a, b) { return a - b; });
      paint(octx, nodes, visible(nodes, null, ids), function (i) {
        return i === l.sel ? "sel" : l.up[i] ? "up" : "down";
      }, texts);
      paintTexts(octx, texts);
    }

    var frame = 0;

    function draw() {
      frame = 0;
      drawBase();
      drawOver();
    }

    function box(set) {
      var bx = null;
      for (var v in set) {
        var it = nodes[v];
        if (it) {
          bx = bx ? [Math.min(bx[0], it[0]), Math.min(bx[1], it[1]), Math.max(bx[2], it[2]), Math.max(bx[3], it[3])] : [it[0], it[1], it[2], it[3]];
        }
      }
      return bx;
    }

    restyle();
    holder.classList.add("drawn");
    return {
      full: full,
      render: function (now) {
        var r = window.devicePixelRatio || 1;
        var w = Math.round(size.w * r), h = Math.round(size.h * r);
        if (base.width !== w || base.height !== h || dpr !== r) {
          dpr = r;
          base.width = over.width = w;
          base.height = over.height = h;
        }
        if (now) {
          if (frame) {
            window.cancelAnimationFrame(frame);
          }
          draw();
        } else if (!frame) {
          frame = window.requestAnimationFrame(draw);
        }
      },
      lit: function (sel, up, down, on) {
        litState = sel >= 0 ? { sel: sel, up: up, down: down, on: on } : null;
        if (!frame) {
          drawOver(); // the highlighted elements only
        }
      },
      focus: function (set, edgeList) {
        focusSet = set;
        focusEdges = set ? edgeList : null;
        this.render();
      },
      nodeAt: function (ev) {
        if (ev.clientX === undefined) {
          return -1;
        }
        var r = holder.getBoundingClientRect();
        var x = view.x + (ev.clientX - r.left) / view.k, y = view.y + (ev.clientY - r.top) / view.k;
        var ids = query(nodeGrid, x, y, x, y);
        for (var j = ids.length - 1; j >= 0; j--) {
          var it = nodes[ids[j]];
          if (it[0] <= x && x <= it[2] && it[1] <= y && y <= it[3] && (!focusSet || focusSet[ids[j]])) {
            return ids[j];
          }
        }
        return -1;
      },
      box: box,
      nodeBox: function (i) {
        var s = {};
        s[i] = true;
        return box(s);
      },
      restyle: function () {
        restyle();
        this.render();
      }
    };
  }

  // ---- The diagram: the same controls over either surface ----

  function setup(fig) {
    if (fig.getAttribute("data-ready")) {
      return;
    }
    var dataEl = fig.querySelector("script.graph-data");
    var canvas = fig.querySelector(".canvas");
    if (!dataEl || !canvas) {
      return;
    }
    var data;
    try {
      data = JSON.parse(dataEl.textContent);
    } catch (e) {
      return;
    }
    var view = { x: 0, y: 0, k: 1 };
    var size = { w: 0, h: 0 };
    var surface = data.geo && window.HTMLCanvasElement ? canvasSurface(fig, canvas, data, view, size) : svgSurface(fig, canvas, data, view, size);
    if (!surface) {
      return;
    }
    var full = surface.full;
    view.x = full.x;
    view.y = full.y;
    var n = data.nodes.length;
    var parents = [], children = [], inEdges = [];
    for (var i = 0; i < n; i++) {
      parents.push([]);
      children.push([]);
      inEdges.push([]);
    }
    var edgeEnds = data.edges;
    edgeEnds.forEach(function (e, k) {
      if (e[0] >= 0) {
        children[e[0]].push(e[1]);
        parents[e[1]].push(e[0]);
        inEdges[e[1]].push(k);
      }
    });
    var byName = {}, byAnchor = {};
    data.nodes.forEach(function (nd, i) {
      byName[nd.n] = i;
      byAnchor[nd.a] = i;
    });

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
    if (data.geo) {
      toolbar.appendChild(finder());
    }
    toolbar.appendChild(focusBadge);
    graph.insertBefore(toolbar, canvas);
    canvas.tabIndex = 0;
    canvas.setAttribute("role", "application");
    canvas.setAttribute("aria-label", data.geo ?
      "Workflow diagram of " + n + " nodes: drag to pan, Ctrl and wheel or + and − to zoom, arrows to move; find a node by name with the box above" :
      "Workflow diagram: drag to pan, Ctrl and wheel or + and − to zoom, Tab to the nodes, Enter for a node's details");
    var panel = el("aside", "node-details");
    panel.hidden = true;
    panel.setAttribute("aria-live", "polite");
    graph.appendChild(panel);
    var hint = fig.querySelector(".hint");
    if (hint) {
      hint.textContent = "Click a node for its details; hover to see what it depends on and what depends on it. Drag to pan; Ctrl+wheel, pinch or +/− to zoom.";
    }

    // finder is the box that finds a node by name: the keyboard's way to
    // the nodes of a canvas. Its list is filled when first used.
    function finder() {
      var wrap = el("span", "find");
      var input = el("input");
      input.type = "search";
      input.placeholder = "Find a node";
      input.setAttribute("aria-label", "Find a node in the diagram, then Enter");
      input.autocomplete = "off";
      input.spellcheck = false;
      var list = el("datalist");
      list.id = "graph-nodes-" + Array.prototype.indexOf.call(document.querySelectorAll("figure.diagram"), fig);
      input.setAttribute("list", list.id);
      input.addEventListener("focus", function () {
        if (list.firstChild) {
          return;
        }
        var frag = document.createDocumentFragment();
        data.nodes.forEach(function (nd) {
          var o = el("option");
          o.value = nd.n;
          frag.appendChild(o);
        });
        list.appendChild(frag);
      });
      function find() {
        var q = input.value.trim();
        if (!q) {
          return;
        }
        var i = byName.hasOwnProperty(q) ? byName[q] : -1;
        var lq = q.toLowerCase();
        for (var k = 0; i < 0 && k < n; k++) {
          if (data.nodes[k].n.toLowerCase().indexOf(lq) >= 0) {
            i = k;
          }
        }
        input.classList.toggle("none", i < 0);
        if (i >= 0) {
          showNode(i);
          select(i);
        }
      }
      input.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter") {
          ev.preventDefault();
          find();
        }
      });
      input.addEventListener("change", find);
      wrap.appendChild(input);
      wrap.appendChild(list);
      return wrap;
    }

    // ---- View: k CSS px per diagram unit, (x, y) the top left corner ----
    var moved = false; // the view is no longer the first one


    function measure() {
      size.w = canvas.clientWidth || 600;
      var natural = full.h * PT * Math.min(1, size.w / (full.w * PT));
      var h = Math.max(180, Math.min(natural + 16, Math.max(260, window.innerHeight * 0.62)));
      if (!panel.hidden && getComputedStyle(graph).display === "grid") {
        h = Math.max(h, Math.min(420, window.innerHeight * 0.62)); // the panel beside has the diagram's height
      }
      canvas.style.height = Math.round(h) + "px";
      size.h = h;
    }

    function apply(now) {
      surface.render(now);
    }

    function fitBox(b) {
      var k = Math.min((size.w - 16) / b.w, (size.h - 16) / b.h, PT * 1.5);
      view.k = Math.max(k, 0.002);
      view.x = b.x + b.w / 2 - size.w / view.k / 2;
      view.y = b.y + b.h / 2 - size.h / view.k / 2;
      apply();
    }

    function fit() {
      if (state.focus) {
        fitBox(focusBox());
      } else {
        fitBox(full);
      }
    }

    // home is the first view: the whole diagram, or for one too large to
    // read whole, its top at a readable size.
    function home() {
      var k = Math.min((size.w - 16) / full.w, (size.h - 16) / full.h, PT * 1.5);
      if (!data.geo || k >= 0.4) {
        fit();
        return;
      }
      view.k = Math.min(Math.max((size.w - 16) / full.w, 0.5), PT);
      view.x = full.x + full.w / 2 - size.w / view.k / 2;
      view.y = full.y;
      apply();
    }

    function zoomAt(f, px, py) {
      moved = true;
      var k = Math.min(Math.max(view.k * f, 0.002), 12);
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

    // showNode brings node i to the middle of the view, readable.
    function showNode(i) {
      var b = surface.nodeBox(i);
      if (!b) {
        return;
      }
      moved = true;
      if (data.geo && view.k < 0.8) {
        view.k = 1;
      }
      view.x = (b[0] + b[2]) / 2 - size.w / view.k / 2;
      view.y = (b[1] + b[3]) / 2 - size.h / view.k / 2;
      apply(true);
      save();
    }

    // reveal pans the view, if need be, so that node i is wholly in it:
    // after the details panel took part of the diagram's width, the node
    // just chosen stays in sight beside it. A view from a link is kept.
    function reveal(i) {
      var b = surface.nodeBox(i);
      if (!b) {
        return;
      }
      var m = 12 / view.k;
      var w = size.w / view.k, h = size.h / view.k;
      var x = into(view.x, b[0] - m, b[2] + m, w);
      var y = into(view.y, b[1] - m, b[3] + m, h);
      if (x !== view.x || y !== view.y) {
        moved = true;
        view.x = x;
        view.y = y;
        apply(true);
        save();
      }
    }

    // into returns the start of a window of length len, moved as little
    // as possible from at to hold [lo, hi] (centred on it if too small).
    function into(at, lo, hi, len) {
      if (hi - lo > len) {
        return (lo + hi) / 2 - len / 2;
      }
      if (lo < at) {
        return lo;
      }
      if (hi > at + len) {
        return hi - len;
      }
      return at;
    }

    // focusBox is the box of the nodes in focus.
    function focusBox() {
      var b = focusSet && surface.box(focusSet);
      if (!b) {
        return full;
      }
      var pad = 24;
      return { x: b[0] - pad, y: b[1] - pad, w: b[2] - b[0] + 2 * pad, h: b[3] - b[1] + 2 * pad };
    }

    // ---- Highlight and focus: cost in proportion to the nodes concerned ----
    var state = { sel: -1, focus: null }; // focus: {up, down}
    var focusSet = null;
    var lineageOf = { i: -1, up: null, down: null }; // the last node's, for the panel

    function lineage(i) {
      if (lineageOf.i !== i) {
        lineageOf = { i: i, up: walk(i, parents, Infinity), down: walk(i, children, Infinity) };
      }
      return lineageOf;
    }

    function highlight(i) {
      if (i < 0) {
        surface.lit(-1);
        return;
      }
      var up = lineage(i).up;
      var down = lineage(i).down;
      var on = [];
      var into = function (v, ok) {
        var l = inEdges[v];
        for (var j = 0; j < l.length; j++) {
          if (ok(edgeEnds[l[j]][0])) {
            on.push(l[j]);
          }
        }
      };
      var isUp = function (p) { return up[p]; };
      var isDown = function (p) { return down[p] || p === i; };
      into(i, isUp);
      for (var u in up) {
        into(u, isUp);
      }
      for (var d in down) {
        into(d, isDown);
      }
      surface.lit(i, up, down, on);
    }

    function applyFocus() {
      if (!state.focus || state.sel < 0) {
        focusSet = null;
        surface.focus(null);
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
      var edges = [];
      for (var v in set) {
        var l = inEdges[v];
        for (var j = 0; j < l.length; j++) {
          if (set[edgeEnds[l[j]][0]]) {
            edges.push(l[j]);
          }
        }
      }
      edges.sort(function (a, b) { return a - b; });
      focusSet = set;
      surface.focus(set, edges);
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
        resized();
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
        Object.keys(lineage(i).up).length + " upstream, " + Object.keys(lineage(i).down).length + " downstream";
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
      go.addEventListener("click", function () {
        window.clearTimeout(saveTimer); // the section's address wins
      });
      actions.appendChild(go);
      panel.appendChild(actions);
      var body = el("div", "body");
      sectionOf(i).forEach(function (c) { body.appendChild(c); });
      panel.appendChild(body);
      if (window.fluxlySite && window.fluxlySite.labelTables) {
        window.fluxlySite.labelTables(body); // a section cloned before site.js ran
      }
      panel.hidden = false;
      // Where the diagram is wide enough, the panel sits beside it, never
      // over it (site.css): the diagram narrows now, not when the resize
      // observer says so.
      graph.classList.add("with-panel");
      resized();
    }
    if (document.readyState === "loading") {
      // The page is still being read: a node's section may come later.
      document.addEventListener("DOMContentLoaded", function () {
        if (state.sel >= 0) {
          renderPanel();
        }
      });
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
      if (i >= 0) {
        reveal(i); // the node chosen stays in sight beside the panel
      }
      save();
    }

    // ---- URL state: #graph:n=<name>&f=<up>,<down>&v=<x>,<y>,<k> ----
    var saveTimer = 0;

    function save() {
      if (window.fluxlySingleFile) {
        return; // the address names the page there
      }
      window.clearTimeout(saveTimer);
      var before = window.location.hash;
      saveTimer = window.setTimeout(function () {
        var h = window.location.hash;
        if (h !== before && h.lastIndexOf("#graph:", 0) !== 0) {
          return; // the reader went to a section since: its address wins
        }
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
        moved = true;
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

    // ---- Input: pointer (drag, pinch, hover), wheel, keys, clicks ----
    var pointers = {};
    var drag = null;
    var hovered = -1;

    canvas.addEventListener("pointerdown", function (ev) {
      if (ev.button !== 0 && ev.pointerType === "mouse") {
        return;
      }
      pointers[ev.pointerId] = { x: ev.clientX, y: ev.clientY };
      drag = { moved: false, x: ev.clientX, y: ev.clientY };
    });
    function hover(ev) {
      if (drag && drag.moved) {
        return;
      }
      var i = surface.nodeAt(ev);
      if (i !== hovered) {
        hovered = i;
        canvas.classList.toggle("over-node", i >= 0);
        highlight(i >= 0 ? i : state.sel);
      }
    }
    canvas.addEventListener("pointerover", hover);
    canvas.addEventListener("pointermove", function (ev) {
      var p = pointers[ev.pointerId];
      if (!p || !drag) {
        hover(ev);
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
        moved = true;
        apply();
      }
      p.x = ev.clientX;
      p.y = ev.clientY;
    });
    canvas.addEventListener("pointerleave", function () {
      if (hovered >= 0) {
        hovered = -1;
        canvas.classList.remove("over-node");
        highlight(state.sel);
      }
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
      var i = surface.nodeAt(ev);
      if (drag && drag.moved) {
        ev.preventDefault();
        drag = null;
        return;
      }
      drag = null;
      if (i < 0) {
        return;
      }
      ev.preventDefault();
      select(state.sel === i && !state.focus ? -1 : i);
    });
    canvas.addEventListener("keydown", function (ev) {
      var step = 60 / view.k;
      moved = moved || /^(Arrow|[-+=0])/.test(ev.key);
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
      var k = byAnchor[a.getAttribute("href").slice(1)];
      if (k !== undefined) {
        ev.preventDefault();
        if (data.geo) {
          showNode(k);
        }
        select(k);
        if (state.focus) {
          setFocus(state.focus);
        }
      }
    });
    if (!window.fluxlySingleFile) {
      window.addEventListener("hashchange", function () {
        restore();
      });
    }
    // The diagram's box changes with the window, and while the page is
    // still being read (the table of contents comes after the content):
    // the view follows, and stays the first one until the reader moves it.
    function resized() {
      var w = size.w, h = size.h;
      measure();
      if (w === size.w && h === size.h) {
        return;
      }
      if (moved) {
        apply();
      } else if (state.focus) {
        fit();
      } else {
        home();
      }
    }
    if (window.ResizeObserver) {
      new ResizeObserver(resized).observe(canvas);
    } else {
      window.addEventListener("resize", resized);
    }
    if (data.geo) {
      // The canvas takes its colours from the stylesheet: again when the
      // theme changes.
      var restyle = function () { surface.restyle(); };
      if (window.MutationObserver) {
        new MutationObserver(restyle).observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
      }
      var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
      if (dark && dark.addEventListener) {
        dark.addEventListener("change", restyle);
      }
    }

    measure();
    if (!restore()) {
      home();
    }
    apply(true);
    // For tests and tools: bring a node into view and tell where it is.
    fig.fluxlyGraph = {
      showNode: function (name) {
        var i = byName.hasOwnProperty(name) ? byName[name] : -1;
        if (i < 0) {
          return null;
        }
        showNode(i);
        var b = surface.nodeBox(i);
        var r = canvas.getBoundingClientRect();
        return { x: r.left + ((b[0] + b[2]) / 2 - view.x) * view.k, y: r.top + ((b[1] + b[3]) / 2 - view.y) * view.k };
      }
    };
    fig.setAttribute("data-ready", "true");
  }

  Array.prototype.forEach.call(document.querySelectorAll("figure.diagram"), setup);
  if (window.performance && performance.mark && document.querySelector("figure.diagram[data-ready]")) {
    performance.mark("fluxly-graph-ready");
  }
  window.fluxlyGraph = { setup: setup };
})();
