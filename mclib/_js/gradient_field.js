// Gradient-field explorer of f(x) = xᵀAx on the plane (mclib.explorer.gradient_field).
//
// Python writes <div data-explorer="gradient-field" data-matrices=… data-selected=… data-x=…
// data-extent=… data-grid=…> and this script right after it. The script draws into that element
// only (several explorers on one page do not interfere), uses no library and loads nothing.
// While the reader moves the point it keeps the root's data-x, data-grad and data-selected up to
// date, so that a test can read the state the picture shows.
(function () {
  "use strict";

  // ---- The mathematics: f(x) = xᵀAx, ∇f(x) = (A + Aᵀ)x, ∇²f = A + Aᵀ (chapter 1) ----------------

  function value(A, x, y) {
    return A[0][0] * x * x + (A[0][1] + A[1][0]) * x * y + A[1][1] * y * y;
  }
  function hessian(A) {  // A + Aᵀ, the same at every x
    return [[A[0][0] + A[0][0], A[0][1] + A[1][0]], [A[1][0] + A[0][1], A[1][1] + A[1][1]]];
  }
  function matvec(M, x) {
    return [M[0][0] * x[0] + M[0][1] * x[1], M[1][0] * x[0] + M[1][1] * x[1]];
  }
  function gradient(A, x) { return matvec(hessian(A), x); }
  function norm(v) { return Math.hypot(v[0], v[1]); }

  // Level set {f = c} of the values on an (n+1)×(n+1) grid of [lo, lo + n·h]², by marching squares:
  // in each cell the curve crosses the edges whose two end values lie on opposite sides of c, at the
  // linearly interpolated point. A cell with four crossings (a saddle cell) pairs them by the side
  // of f at the cell's centre. Returns the segments [[x, y], [x, y]] in the plane's coordinates.
  function levelSegments(A, values, n, lo, h, c) {
    var segments = [];
    var corners = [[0, 0], [1, 0], [1, 1], [0, 1]];  // counter-clockwise; edge e joins e and e + 1
    for (var j = 0; j < n; j++) {
      for (var i = 0; i < n; i++) {
        var k = j * (n + 1) + i;
        var v = [values[k], values[k + 1], values[k + n + 2], values[k + n + 1]];
        var crossing = [];
        for (var e = 0; e < 4; e++) {
          var a = v[e], b = v[(e + 1) % 4];
          if ((a > c) === (b > c)) { crossing.push(null); continue; }
          var t = (c - a) / (b - a), p = corners[e], q = corners[(e + 1) % 4];
          crossing.push([lo + h * (i + p[0] + t * (q[0] - p[0])), lo + h * (j + p[1] + t * (q[1] - p[1]))]);
        }
        var hits = crossing.filter(Boolean);
        if (hits.length === 2) {
          // two crossings at one corner (f = c exactly there) draw nothing
          if (hits[0][0] !== hits[1][0] || hits[0][1] !== hits[1][1]) segments.push(hits);
        } else if (hits.length === 4) {
          var centre = value(A, lo + h * (i + 0.5), lo + h * (j + 0.5));
          if ((centre > c) === (v[0] > c)) {  // corners 0 and 2 connect: cut off corners 1 and 3
            segments.push([crossing[0], crossing[1]], [crossing[2], crossing[3]]);
          } else {  // corners 1 and 3 connect: cut off corners 0 and 2
            segments.push([crossing[3], crossing[0]], [crossing[1], crossing[2]]);
          }
        }
      }
    }
    return segments;
  }

  // Levels ±r·(k/K)², k = 1…K, with r the largest |f| on the square, that f takes inside the
  // square, and 0 where f changes sign: for a definite A, ellipses with evenly spaced axes.
  function levels(values) {
    var lo = Math.min.apply(null, values), hi = Math.max.apply(null, values);
    var r = Math.max(Math.abs(lo), Math.abs(hi)), K = 7, out = [];
    if (lo < 0 && hi > 0) out.push(0);
    for (var k = 1; k <= K; k++) {
      [1, -1].forEach(function (s) {
        var c = s * r * (k / K) * (k / K);
        if (c > lo && c < hi) out.push(c);
      });
    }
    return out;
  }

  // ---- Formatting ---------------------------------------------------------------------------------

  function num(v, digits) {  // fixed digits, and never "-0.00"
    var s = v.toFixed(digits);
    return Number(s) === 0 ? (0).toFixed(digits) : s;
  }
  function pair(v) { return "(" + num(v[0], 2) + ", " + num(v[1], 2) + ")"; }
  function matrixHTML(M) {  // a 2×2 matrix between brackets
    return '<table class="mcx-matrix"><tr><td>' + num(M[0][0], 2) + "</td><td>" + num(M[0][1], 2) +
      "</td></tr><tr><td>" + num(M[1][0], 2) + "</td><td>" + num(M[1][1], 2) + "</td></tr></table>";
  }

  // ---- Drawing --------------------------------------------------------------------------------------

  var SIZE = 400, MARGIN = 24;  // SVG user units; the plot square is [MARGIN, SIZE − MARGIN]²

  var CSS = [
    ".mcx-choices{border:0;margin:0 0 .5em;padding:0;display:flex;flex-wrap:wrap;gap:.3em 1.2em}",
    ".mcx-choices legend{font-size:1em;font-weight:600;padding:0;margin:0 0 .2em;float:none;width:auto}",
    ".mcx-body{display:flex;flex-wrap:wrap;gap:1em;align-items:flex-start}",
    ".mcx-plot{flex:0 1 360px;width:100%;max-width:360px;height:auto;touch-action:none;user-select:none;" +
      "-webkit-user-select:none;cursor:crosshair}",
    ".mcx-frame{fill:none;stroke:currentColor;stroke-opacity:.4}",
    ".mcx-axes{stroke:currentColor;stroke-opacity:.3;stroke-width:1}",
    ".mcx-ticks{fill:currentColor;font-size:12px}",
    ".mcx-levels{fill:none;stroke:currentColor;stroke-opacity:.3;stroke-width:1}",
    ".mcx-field-shafts{stroke:#8a8a8a;stroke-width:1.2}",
    ".mcx-field-heads{fill:#8a8a8a}",
    ".mcx-level-x{fill:none;stroke:#e08a00;stroke-width:2.5}",
    ".mcx-grad{stroke:#2f7be0;fill:#2f7be0;stroke-width:3}",
    ".mcx-wrong{stroke:#d8433b;fill:#d8433b;stroke-width:2}",
    ".mcx-wrong .mcx-shaft{stroke-dasharray:6 4}",
    ".mcx-point{fill:currentColor;stroke:#2f7be0;stroke-width:0;cursor:grab}",
    ".mcx-point:focus{outline:none;stroke-width:4}",
    ".mcx-side{flex:1 1 17em;min-width:0}",
    ".mcx-readout{font-family:var(--pst-font-family-monospace,monospace);font-size:.85em;line-height:1.6}",
    ".mcx-matrices{display:grid;grid-template-columns:auto auto;gap:.3em .4em;align-items:center;" +
      "justify-content:start;margin-top:.6em;font-size:.85em}",
    ".mcx-matrix{display:inline-table;border-collapse:separate;border-left:1.5px solid currentColor;" +
      "border-right:1.5px solid currentColor;border-radius:3px;margin:0;vertical-align:middle}",
    ".mcx-matrix td{padding:0 .4em;text-align:right;border:0;" +
      "font-family:var(--pst-font-family-monospace,monospace)}",
    ".mcx-legend{font-size:.85em;margin:.4em 0 0}",
    ".mcx-key{display:inline-block;width:2em;height:0;border-top:3px solid;vertical-align:middle;" +
      "margin:0 .3em 0 .8em}",
  ].map(function (rule) { return '[data-explorer="gradient-field"] ' + rule; }).join("\n");

  function init(root) {
    if (root.getAttribute("data-ready") === "true") return;
    root.setAttribute("data-ready", "true");
    var choices = JSON.parse(root.getAttribute("data-matrices"));  // [{name, A}], from Python
    var extent = Number(root.getAttribute("data-extent"));
    var arrowsPerSide = Number(root.getAttribute("data-grid"));
    var selected = root.getAttribute("data-selected");
    var state = {
      x: JSON.parse(root.getAttribute("data-x")),
      choice: Math.max(0, choices.findIndex(function (c) { return c.name === selected; })),
    };
    var cells = 80, h = 2 * extent / cells;  // contour grid
    var scale = (SIZE - 2 * MARGIN) / (2 * extent);  // SVG units per unit of x

    function px(x) { return MARGIN + (x[0] + extent) * scale; }  // plane → SVG (y up)
    function py(x) { return SIZE - MARGIN - (x[1] + extent) * scale; }

    // The DOM. The SVG is parsed from markup so that it lands in the SVG namespace without this
    // file spelling out the namespace's URI; its namespaceURI then creates the dynamic parts.
    var style = document.createElement("style");
    style.textContent = CSS;
    var box = document.createElement("div");
    box.innerHTML =
      '<fieldset class="mcx-choices"><legend>Matrix A</legend></fieldset>' +
      '<div class="mcx-body">' +
      '<svg class="mcx-plot" viewBox="0 0 ' + SIZE + " " + SIZE + '" role="group" ' +
      'aria-label="Level curves and gradient field of f(x) = xᵀAx, with a movable point x">' +
      '<g class="mcx-axes"></g><g class="mcx-ticks"></g><path class="mcx-levels"/>' +
      '<path class="mcx-field-shafts"/><path class="mcx-field-heads"/><path class="mcx-level-x"/>' +
      '<g class="mcx-wrong"><path class="mcx-shaft"/><path class="mcx-head"/></g>' +
      '<g class="mcx-grad"><path class="mcx-shaft"/><path class="mcx-head"/></g>' +
      '<circle class="mcx-point" r="7" tabindex="0" role="button" aria-roledescription="draggable point"/>' +
      '<rect class="mcx-frame"/></svg>' +
      '<div class="mcx-side"><div class="mcx-readout" aria-live="polite"></div>' +
      '<div class="mcx-matrices"></div></div></div>' +
      '<p class="mcx-legend">' +
      '<span class="mcx-key" style="border-color:#2f7be0"></span>∇f(x) = (A + Aᵀ)x, at x' +
      '<span class="mcx-key" style="border-color:#d8433b;border-top-style:dashed"></span>2Ax' +
      '<span class="mcx-key" style="border-color:#e08a00"></span>level curve through x' +
      '<span class="mcx-key" style="border-color:#8a8a8a"></span>∇f on a grid. ' +
      "Drag the point or click in the plane; with the point focused, the arrow keys move it " +
      "(Shift: finer steps).</p>";
    root.textContent = "";
    root.appendChild(style);
    while (box.firstChild) root.appendChild(box.firstChild);

    var svg = root.querySelector("svg"), NS = svg.namespaceURI;
    var point = svg.querySelector(".mcx-point");
    var readout = root.querySelector(".mcx-readout");
    var frame = svg.querySelector(".mcx-frame");
    [["x", MARGIN], ["y", MARGIN], ["width", SIZE - 2 * MARGIN], ["height", SIZE - 2 * MARGIN]]
      .forEach(function (kv) { frame.setAttribute(kv[0], kv[1]); });

    // Axes through the origin, and the ends of the square as tick labels.
    var axes = svg.querySelector(".mcx-axes"), ticks = svg.querySelector(".mcx-ticks");
    [[[-extent, 0], [extent, 0]], [[0, -extent], [0, extent]]].forEach(function (ends) {
      var line = document.createElementNS(NS, "line");
      line.setAttribute("x1", px(ends[0])); line.setAttribute("y1", py(ends[0]));
      line.setAttribute("x2", px(ends[1])); line.setAttribute("y2", py(ends[1]));
      axes.appendChild(line);
    });
    [[[extent, 0], "x₁", "end", -4, -6], [[0, extent], "x₂", "start", 6, 14],
     [[-extent, 0], num(-extent, 1), "start", 3, 14], [[extent, 0], num(extent, 1), "end", -3, 14]]
      .forEach(function (t) {
        var text = document.createElementNS(NS, "text");
        text.setAttribute("x", px(t[0]) + t[3]); text.setAttribute("y", py(t[0]) + t[4]);
        text.setAttribute("text-anchor", t[2]);
        text.textContent = t[1];
        ticks.appendChild(text);
      });

    // The choice of A: one radio button per matrix. The group's name only has to be unique on
    // the page while it is open, so it comes from a counter at run time (never stored).
    var fieldset = root.querySelector(".mcx-choices");
    var group = "mcx-gradient-field-" + (window.__mclibExplorerCount = (window.__mclibExplorerCount || 0) + 1);
    choices.forEach(function (c, i) {
      var label = document.createElement("label"), input = document.createElement("input");
      input.type = "radio"; input.name = group; input.value = String(i); input.checked = i === state.choice;
      input.addEventListener("change", function () { if (input.checked) { state.choice = i; redrawMatrix(); } });
      label.appendChild(input);
      label.appendChild(document.createTextNode(" " + c.name));
      fieldset.appendChild(label);
    });

    // An arrow from x along v (plane units), as a shaft path and a triangular head.
    function arrowPaths(x, v, headSize) {
      var tip = [x[0] + v[0], x[1] + v[1]], x0 = px(x), y0 = py(x), x1 = px(tip), y1 = py(tip);
      var dx = x1 - x0, dy = y1 - y0, len = Math.hypot(dx, dy);
      if (len < 1e-9) return ["", ""];
      var hs = Math.min(headSize, 0.6 * len), ux = dx / len, uy = dy / len;
      var bx = x1 - hs * ux, by = y1 - hs * uy, w = 0.45 * hs;
      return ["M" + x0 + " " + y0 + "L" + bx + " " + by,
              "M" + x1 + " " + y1 + "L" + (bx - w * uy) + " " + (by + w * ux) +
              "L" + (bx + w * uy) + " " + (by - w * ux) + "Z"];
    }

    var A, values, fieldScale, pointScale;

    // Everything that depends on A only: the contour grid, the level curves, the gradient field.
    function redrawMatrix() {
      A = choices[state.choice].A;
      values = [];
      for (var j = 0; j <= cells; j++) {
        for (var i = 0; i <= cells; i++) values.push(value(A, -extent + i * h, -extent + j * h));
      }
      var d = "";
      levels(values).forEach(function (c) {
        levelSegments(A, values, cells, -extent, h, c).forEach(function (s) {
          d += "M" + px(s[0]) + " " + py(s[0]) + "L" + px(s[1]) + " " + py(s[1]);
        });
      });
      svg.querySelector(".mcx-levels").setAttribute("d", d);

      // Arrows at the centres of an arrowsPerSide² grid, all drawn to one scale: the longest
      // is 0.85 of the spacing. The arrows at x use a larger scale (pointScale): the longest
      // gradient on the square (at a corner, since ‖(A + Aᵀ)x‖ is convex) would be as long as
      // the extent.
      var spacing = 2 * extent / arrowsPerSide, centres = [], biggest = 0;
      for (var b = 0; b < arrowsPerSide; b++) {
        for (var a = 0; a < arrowsPerSide; a++) {
          var c = [-extent + (a + 0.5) * spacing, -extent + (b + 0.5) * spacing];
          centres.push(c);
          biggest = Math.max(biggest, norm(gradient(A, c)));
        }
      }
      var cornerMax = Math.max(norm(gradient(A, [extent, extent])), norm(gradient(A, [extent, -extent])));
      fieldScale = biggest > 0 ? 0.85 * spacing / biggest : 0;
      pointScale = cornerMax > 0 ? extent / cornerMax : 0;
      var shafts = "", heads = "";
      centres.forEach(function (c) {  // each arrow centred on its grid point
        var g = gradient(A, c), v = [fieldScale * g[0], fieldScale * g[1]];
        var p = arrowPaths([c[0] - v[0] / 2, c[1] - v[1] / 2], v, 6);
        shafts += p[0]; heads += p[1];
      });
      svg.querySelector(".mcx-field-shafts").setAttribute("d", shafts);
      svg.querySelector(".mcx-field-heads").setAttribute("d", heads);

      var H = hessian(A), twoA = [[2 * A[0][0], 2 * A[0][1]], [2 * A[1][0], 2 * A[1][1]]];
      root.querySelector(".mcx-matrices").innerHTML =
        "<span>A =</span>" + matrixHTML(A) +
        "<span>Hessian ∇²f = A + Aᵀ =</span>" + matrixHTML(H) +
        "<span>2A =</span>" + matrixHTML(twoA);
      root.setAttribute("data-selected", choices[state.choice].name);
      redrawPoint();
    }

    // Everything that depends on x: the point, its level curve, the two arrows, the readout.
    function redrawPoint() {
      var x = state.x, g = gradient(A, x), wrong = [2 * matvec(A, x)[0], 2 * matvec(A, x)[1]];
      var fx = value(A, x[0], x[1]), symmetric = A[0][1] === A[1][0];
      point.setAttribute("cx", px(x));
      point.setAttribute("cy", py(x));
      point.setAttribute("aria-label", "Point x = " + pair(x) +
        ". Drag it, or use the arrow keys to move it (Shift for finer steps).");
      var d = "";
      levelSegments(A, values, cells, -extent, h, fx).forEach(function (s) {
        d += "M" + px(s[0]) + " " + py(s[0]) + "L" + px(s[1]) + " " + py(s[1]);
      });
      svg.querySelector(".mcx-level-x").setAttribute("d", d);
      // One scale for both arrows at x, enlarged where they would be too short to show a direction.
      var longest = Math.max(norm(g), norm(wrong));
      var s = longest > 0 ? Math.max(pointScale, 0.3 * extent / longest) : 0;
      [[".mcx-grad", g], [".mcx-wrong", symmetric ? [0, 0] : wrong]].forEach(function (item) {
        var p = arrowPaths(x, [s * item[1][0], s * item[1][1]], 12);
        var arrow = svg.querySelector(item[0]);
        arrow.querySelector(".mcx-shaft").setAttribute("d", p[0]);
        arrow.querySelector(".mcx-head").setAttribute("d", p[1]);
      });
      readout.innerHTML =
        "<div>x = " + pair(x) + "</div>" +
        "<div>f(x) = xᵀAx = " + num(fx, 3) + "</div>" +
        "<div>∇f(x) = (A + Aᵀ)x = " + pair(g) + "</div>" +
        "<div>‖∇f(x)‖ = " + num(norm(g), 3) + "</div>" +
        "<div>2Ax = " + pair(wrong) + "</div>" +
        "<div>" + (symmetric ? "2Ax = ∇f(x), since A = Aᵀ" : "2Ax ≠ ∇f(x), since A ≠ Aᵀ") + "</div>";
      root.setAttribute("data-x", JSON.stringify(x));
      root.setAttribute("data-grad", JSON.stringify(g));
    }

    function moveTo(x) {
      state.x = [Math.min(extent, Math.max(-extent, x[0])), Math.min(extent, Math.max(-extent, x[1]))];
      redrawPoint();
    }

    // Mouse, pen and touch: press anywhere in the plane to put x there, then drag.
    var dragging = false;
    function planeAt(event) {
      var p = new DOMPoint(event.clientX, event.clientY).matrixTransform(svg.getScreenCTM().inverse());
      return [(p.x - MARGIN) / scale - extent, (SIZE - MARGIN - p.y) / scale - extent];
    }
    svg.addEventListener("pointerdown", function (event) {
      if (event.button !== 0) return;
      dragging = true;
      svg.setPointerCapture(event.pointerId);
      point.focus({ preventScroll: true });
      moveTo(planeAt(event));
      event.preventDefault();
    });
    svg.addEventListener("pointermove", function (event) { if (dragging) moveTo(planeAt(event)); });
    ["pointerup", "pointercancel"].forEach(function (type) {
      svg.addEventListener(type, function () { dragging = false; });
    });

    // Keyboard: the arrow keys move the focused point by a twentieth of the extent (Shift: a 200th).
    var KEYS = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    point.addEventListener("keydown", function (event) {
      var dir = KEYS[event.key];
      if (!dir) return;
      var step = extent / (event.shiftKey ? 200 : 20);
      moveTo([state.x[0] + step * dir[0], state.x[1] + step * dir[1]]);
      event.preventDefault();
    });

    redrawMatrix();
  }

  // This script follows its explorer; when it cannot tell which one it is (no currentScript, as
  // when a front end evaluates the code itself), it starts every explorer not yet started.
  var me = document.currentScript, root = me && me.previousElementSibling;
  if (root && root.getAttribute("data-explorer") === "gradient-field") {
    init(root);
  } else {
    document.querySelectorAll('[data-explorer="gradient-field"]').forEach(init);
  }
})();
