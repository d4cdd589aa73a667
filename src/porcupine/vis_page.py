"""The page template of the visualization: HTML, CSS and JavaScript in one string.

:mod:`porcupine.visualization` replaces the ``/*@DATA@*/null`` placeholder with the JSON data.
When the script has drawn everything it sets ``data-render="done"`` on <body> and writes
"rendered" into #render-status; on a script error it sets ``data-render="error"`` and the
message instead, which is what the headless-browser test looks for. Opening the page with
``#exercise`` also runs every interaction once (zoom, select, fold, jump) before that.
"""

PAGE = r"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Linearizability check</title>
<style>
:root { --row: 26px; --label: 190px; --ok: #2e7d32; --bad: #c62828; --unk: #ef6c00; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.35 system-ui, -apple-system, "Segoe UI", sans-serif; color: #212121; background: #fff; }
header { position: sticky; top: 0; z-index: 5; background: #fafafa; border-bottom: 1px solid #ddd; padding: 8px 12px; }
header h1 { font-size: 15px; margin: 0 0 4px 0; }
#summary .ok { color: var(--ok); font-weight: 600; }
#summary .bad { color: var(--bad); font-weight: 600; }
#summary .unk { color: var(--unk); font-weight: 600; }
#controls { margin-top: 6px; display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
#controls button { font: inherit; padding: 2px 8px; border: 1px solid #bbb; border-radius: 3px; background: #fff; cursor: pointer; }
#controls button:hover { background: #eee; }
.legend { display: inline-flex; align-items: center; gap: 4px; margin-left: 8px; color: #555; }
.swatch { display: inline-block; width: 14px; height: 10px; border: 1px solid #999; border-radius: 2px; }
#main { display: flex; align-items: stretch; }
#view { flex: 1 1 auto; overflow: auto; position: relative; height: calc(100vh - 90px); }
#details { flex: 0 0 330px; border-left: 1px solid #ddd; padding: 8px 10px; overflow: auto; height: calc(100vh - 90px); background: #fcfcfc; }
#details h2 { font-size: 13px; margin: 0 0 6px 0; }
#details ol { margin: 0; padding-left: 34px; }
#details li { margin: 1px 0; cursor: pointer; }
#details li.current { background: #fff59d; }
#details li .st { color: #666; }
#details .muted { color: #777; }
.section { position: relative; border-bottom: 1px solid #e0e0e0; width: max-content; min-width: 100%; }
.row { display: flex; height: var(--row); }
.label { position: sticky; left: 0; z-index: 3; flex: 0 0 var(--label); width: var(--label); padding: 0 6px;
  background: #f5f5f5; border-right: 1px solid #ddd; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; line-height: var(--row); }
.lane { position: relative; flex: 0 0 auto; height: var(--row); border-bottom: 1px dotted #eee; }
.phead .label { font-weight: 600; cursor: pointer; }
.phead .lane { background: #fafafa; }
.phead.bad .label { color: var(--bad); }
.phead.unk .label { color: var(--unk); }
.op { position: absolute; top: 3px; height: calc(var(--row) - 6px); min-width: 3px; border-radius: 3px; border: 1px solid #90a4ae;
  background: #eceff1; overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 11px; line-height: calc(var(--row) - 8px);
  padding: 0 3px; cursor: pointer; }
.op.lin { background: #c8e6c9; border-color: #66bb6a; }
.op.unlin { opacity: 0.55; }
.op.cand { background: #ffe0b2; border-color: #fb8c00; opacity: 1; }
.op.blocked { background: #ffcdd2; border: 2px solid var(--bad); opacity: 1; font-weight: 600; }
.op.selected { outline: 2px solid #1565c0; outline-offset: 1px; }
.ann { position: absolute; top: 3px; height: calc(var(--row) - 6px); min-width: 2px; border-radius: 2px; border: 1px solid rgba(0,0,0,0.15);
  overflow: hidden; white-space: nowrap; text-overflow: ellipsis; font-size: 11px; line-height: calc(var(--row) - 8px); padding: 0 3px; cursor: default; }
.tick { position: absolute; top: 1px; width: 2px; height: calc(var(--row) - 2px); background: #455a64; cursor: default; }
.ticklabel { position: absolute; top: 4px; font-size: 10px; line-height: 16px; padding: 0 3px; border-radius: 2px; color: #37474f; white-space: nowrap; pointer-events: none; }
svg.lp { position: absolute; pointer-events: none; z-index: 2; overflow: visible; }
#tooltip { position: fixed; z-index: 10; max-width: 460px; background: #263238; color: #fff; padding: 6px 8px; border-radius: 4px;
  font-size: 12px; pointer-events: none; display: none; white-space: pre-wrap; word-break: break-word; }
#render-status { position: fixed; right: 6px; bottom: 4px; font-size: 10px; color: #aaa; }
</style>
</head>
<body data-render="pending">
<header>
  <h1>Linearizability check</h1>
  <div id="summary">loading&hellip;</div>
  <div id="controls">
    <button id="zoom-out" title="narrower">&minus;</button>
    <button id="zoom-in" title="wider">+</button>
    <button id="jump">jump to the first problem</button>
    <span class="legend"><span class="swatch" style="background:#c8e6c9;border-color:#66bb6a"></span>linearized</span>
    <span class="legend"><span class="swatch" style="background:#eceff1"></span>not in the shown linearization</span>
    <span class="legend"><span class="swatch" style="background:#ffcdd2;border-color:#c62828"></span>could not be linearized</span>
    <span class="legend"><span class="swatch" style="background:#ffe0b2;border-color:#fb8c00"></span>also tried next</span>
    <span class="legend">click an operation for its longest linearization; click empty space to reset</span>
  </div>
</header>
<div id="main">
  <div id="view"></div>
  <aside id="details"><span class="muted">Hover over or click an operation.</span></aside>
</div>
<div id="tooltip"></div>
<div id="render-status">rendering</div>
<script>
"use strict";
(function () {
  var statusEl = document.getElementById("render-status");
  function fail(message) {
    document.body.setAttribute("data-render", "error");
    statusEl.textContent = "error: " + message;
  }
  window.addEventListener("error", function (ev) { fail(ev.message); });

  var data = /*@DATA@*/null;
  var LABEL_W = 190, ROW_H = 26, PAD = 12;
  var scale = 0.3;                        // pixels per remapped time unit
  var view = document.getElementById("view");
  var details = document.getElementById("details");
  var tooltip = document.getElementById("tooltip");
  var selected = data.partitions.map(function () { return 0; });   // shown partial per partition
  var selectedOp = null;                                           // [partition, op] or null
  var collapsed = {};
  var opElements = [];

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }
  function x(t) { return PAD + t * scale; }
  function maxTime() {
    var m = 0;
    data.partitions.forEach(function (p) { p.ops.forEach(function (o) { if (o.end > m) m = o.end; }); });
    data.annotations.forEach(function (a) { if (a.end > m) m = a.end; });
    return m;
  }
  function laneWidth() { return x(maxTime()) + 240; }

  // The steps of partial linearization k of partition p: [{op, state}], from the prefix tree.
  function steps(p, k) {
    var part = data.partitions[p], out = [];
    if (k >= part.partials.length) return out;
    for (var n = part.partials[k]; n > 0; n = part.nodes[n][0]) out.push({ op: part.nodes[n][1], state: part.nodes[n][2] });
    return out.reverse();
  }
  function initialState(p) { return data.partitions[p].nodes[0][2]; }

  function summary() {
    var s = document.getElementById("summary");
    var nops = 0, bad = [], unk = [];
    data.partitions.forEach(function (p, i) {
      nops += p.ops.length;
      if (p.result === "Illegal") bad.push(i);
      if (p.result === "Unknown") unk.push(i);
    });
    s.textContent = "";
    s.appendChild(document.createTextNode(data.partitions.length + " partition(s), " + nops + " operation(s), " +
      data.annotations.length + " annotation(s): "));
    var verdict;
    if (bad.length) verdict = el("span", "bad", "not linearizable (partition " + bad.join(", ") + ")");
    else if (unk.length) verdict = el("span", "unk", "unknown: the check timed out (partition " + unk.join(", ") + ")");
    else if (data.partitions.length) verdict = el("span", "ok", "linearizable");
    else verdict = el("span", "", "no operations");
    s.appendChild(verdict);
  }

  function showTip(ev, text) {
    tooltip.textContent = text;
    tooltip.style.display = "block";
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = ev.clientX + 14, top = ev.clientY + 14;
    if (left + w > window.innerWidth - 4) left = Math.max(4, ev.clientX - w - 14);
    if (top + h > window.innerHeight - 4) top = Math.max(4, ev.clientY - h - 14);
    tooltip.style.left = left + "px";
    tooltip.style.top = top + "px";
  }
  function hideTip() { tooltip.style.display = "none"; }

  // How op i of partition p stands in the partial linearization shown for p.
  function opStatus(p, i, shown) {
    var part = data.partitions[p];
    for (var j = 0; j < shown.length; j++) {
      if (shown[j].op === i) return { kind: "lin", index: j, state: shown[j].state };
    }
    var f = part.failure;
    if (f && selected[p] === 0) {
      if (f.blocked === i) return { kind: "blocked" };
      for (var c = 0; c < f.candidates.length; c++) {
        if (f.candidates[c][0] === i) return { kind: "cand", accepted: f.candidates[c][1] };
      }
    }
    return { kind: "unlin" };
  }

  function opText(p, i) {
    var part = data.partitions[p], o = part.ops[i], shown = steps(p, selected[p]);
    var st = opStatus(p, i, shown);
    var lines = [o.desc, "client " + o.client + "   call " + o.call + "   return " + o.ret];
    if (o.meta) lines.push("metadata: " + o.meta);
    var before = shown.length ? shown[shown.length - 1].state : initialState(p);
    if (st.kind === "lin") {
      lines.push("linearized as step " + (st.index + 1) + " of " + shown.length + "; state after: " + st.state);
    } else if (st.kind === "blocked") {
      lines.push("could not be linearized: it is the first pending operation to return, and no order of the " +
        "pending operations lets it take effect after the " + shown.length + " linearized step(s) (state " + before + ")");
    } else if (st.kind === "cand") {
      lines.push(st.accepted ? "could come next (the model accepts it in state " + before + "), but every continuation fails"
                             : "the model refuses it in state " + before);
    } else {
      lines.push("not in the linearization shown" + (part.largest[i] !== undefined ? " (click for the longest one containing it)" : ""));
    }
    return lines.join("\n");
  }

  function showDetails(p, focusOp) {
    var part = data.partitions[p], shown = steps(p, selected[p]);
    details.textContent = "";
    details.appendChild(el("h2", "", "Partition " + p + ": " + part.result));
    details.appendChild(el("div", "muted", "linearization " + (selected[p] + 1) + " of " + part.partials.length +
      " shown: " + shown.length + " of " + part.ops.length + " operations"));
    details.appendChild(el("div", "muted", "initial state: " + initialState(p)));
    var ol = el("ol");
    var limit = Math.min(shown.length, 3000);
    for (var j = 0; j < limit; j++) {
      var li = el("li");
      li.appendChild(document.createTextNode(part.ops[shown[j].op].desc + " "));
      li.appendChild(el("span", "st", "\u2192 " + shown[j].state));
      if (shown[j].op === focusOp) li.className = "current";
      (function (op) { li.addEventListener("click", function () { selectOp(p, op, false); }); })(shown[j].op);
      ol.appendChild(li);
    }
    details.appendChild(ol);
    if (limit < shown.length) details.appendChild(el("div", "muted", "\u2026 " + (shown.length - limit) + " more"));
    if (part.failure && selected[p] === 0) {
      var f = part.failure;
      details.appendChild(el("h2", "", "Where it breaks"));
      details.appendChild(el("div", "", "cannot linearize: " + part.ops[f.blocked].desc));
      details.appendChild(el("div", "muted", "it returns before any other pending operation, and no order of the " +
        "pending operations lets it take effect after the " + shown.length + " steps above (state then: " +
        (shown.length ? shown[shown.length - 1].state : initialState(p)) + ")"));
      f.candidates.forEach(function (c) {
        if (c[0] !== f.blocked) details.appendChild(el("div", "muted", (c[1] ? "tried, dead end: " : "refused: ") + part.ops[c[0]].desc));
      });
    }
    var cur = details.querySelector("li.current");
    if (cur) cur.scrollIntoView({ block: "nearest" });
  }

  function selectOp(p, i, switchPartial) {
    var part = data.partitions[p];
    if (switchPartial && part.largest[i] !== undefined) selected[p] = part.largest[i];
    selectedOp = [p, i];
    draw();
    showDetails(p, i);
    var e = opElements[p] && opElements[p][i];
    if (e) e.scrollIntoView({ block: "nearest", inline: "center" });
  }

  function drawAnnotations(width) {
    if (!data.annotations.length) return;
    var byTag = {};
    data.annotations.forEach(function (a) {
      var tag = a.tag || ("client " + a.client);
      (byTag[tag] = byTag[tag] || []).push(a);
    });
    var sec = el("div", "section annotations");
    Object.keys(byTag).sort().forEach(function (tag) {
      var row = el("div", "row"), label = el("div", "label", tag), lane = el("div", "lane");
      label.title = tag;
      lane.style.width = width + "px";
      byTag[tag].forEach(function (a) {
        var text = a.desc + (a.details ? "\n" + a.details : "") + "\n" + (a.start === a.end ? "at " + a.startLabel : a.startLabel + " \u2013 " + a.endLabel);
        var item;
        if (a.start === a.end) {
          item = el("div", "tick");
          item.style.left = (x(a.start) - 1) + "px";
          var tl = el("div", "ticklabel", a.desc);
          tl.style.left = (x(a.start) + 3) + "px";
          if (a.background) tl.style.background = a.background;
          if (a.color) tl.style.color = a.color;
          lane.appendChild(tl);
        } else {
          item = el("div", "ann", a.desc);
          item.style.left = x(a.start) + "px";
          item.style.width = Math.max(2, x(a.end) - x(a.start)) + "px";
          item.style.background = a.background || "#fff176";
          if (a.color) item.style.color = a.color;
        }
        item.addEventListener("mousemove", function (ev) { showTip(ev, text); });
        item.addEventListener("mouseleave", hideTip);
        lane.appendChild(item);
      });
      row.appendChild(label); row.appendChild(lane); sec.appendChild(row);
    });
    view.appendChild(sec);
  }

  function drawPartition(p, width) {
    var part = data.partitions[p];
    var sec = el("div", "section partition");
    var head = el("div", "row phead" + (part.result === "Illegal" ? " bad" : part.result === "Unknown" ? " unk" : ""));
    var mark = part.result === "Illegal" ? "\u2717 " : part.result === "Unknown" ? "? " : "\u2713 ";
    var hl = el("div", "label", (collapsed[p] ? "\u25b8 " : "\u25be ") + mark + "partition " + p + " \u00b7 " + part.ops.length + " ops");
    hl.title = "partition " + p + ": " + part.result + " (click to fold or unfold)";
    hl.addEventListener("click", function () { collapsed[p] = !collapsed[p]; draw(); });
    var hlane = el("div", "lane");
    hlane.style.width = width + "px";
    head.appendChild(hl); head.appendChild(hlane); sec.appendChild(head);
    opElements[p] = [];
    if (collapsed[p]) { view.appendChild(sec); return; }

    var clients = [];
    part.ops.forEach(function (o) { if (clients.indexOf(o.client) < 0) clients.push(o.client); });
    clients.sort(function (a, b) { return a - b; });
    var lanes = {};
    clients.forEach(function (c, r) {
      var row = el("div", "row"), lane = el("div", "lane");
      lane.style.width = width + "px";
      row.appendChild(el("div", "label", "client " + c));
      row.appendChild(lane);
      sec.appendChild(row);
      lanes[c] = { lane: lane, y: ROW_H * (r + 1) + ROW_H / 2 };
    });

    var shown = steps(p, selected[p]);
    part.ops.forEach(function (o, i) {
      var st = opStatus(p, i, shown);
      var b = el("div", "op " + st.kind, o.desc);
      b.style.left = x(o.start) + "px";
      b.style.width = Math.max(3, x(o.end) - x(o.start)) + "px";
      if (selectedOp && selectedOp[0] === p && selectedOp[1] === i) b.className += " selected";
      b.addEventListener("mousemove", function (ev) { showTip(ev, opText(p, i)); });
      b.addEventListener("mouseleave", hideTip);
      b.addEventListener("click", function (ev) { ev.stopPropagation(); hideTip(); selectOp(p, i, true); });
      lanes[o.client].lane.appendChild(b);
      opElements[p][i] = b;
    });

    // Linearization points: the earliest times, in order, that fit each operation's interval.
    var svgNS = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(svgNS, "svg");
    svg.setAttribute("class", "lp");
    svg.setAttribute("width", width);
    svg.setAttribute("height", ROW_H * (clients.length + 1));
    svg.style.left = LABEL_W + "px";
    svg.style.top = "0px";
    var points = [], t = -Infinity;
    shown.forEach(function (s) {
      var o = part.ops[s.op];
      t = Math.min(Math.max(t + 4, o.start + 4), Math.max(o.start, o.end - 4));
      points.push([x(t), lanes[o.client].y]);
    });
    if (points.length > 1) {
      var line = document.createElementNS(svgNS, "polyline");
      line.setAttribute("points", points.map(function (q) { return q[0] + "," + q[1]; }).join(" "));
      line.setAttribute("fill", "none");
      line.setAttribute("stroke", "rgba(46,125,50,0.55)");
      line.setAttribute("stroke-width", "1.5");
      svg.appendChild(line);
    }
    points.forEach(function (q) {
      var c = document.createElementNS(svgNS, "circle");
      c.setAttribute("cx", q[0]); c.setAttribute("cy", q[1]); c.setAttribute("r", "3");
      c.setAttribute("fill", "#2e7d32");
      svg.appendChild(c);
    });
    if (part.failure && selected[p] === 0) {
      var blk = part.ops[part.failure.blocked];
      var cross = document.createElementNS(svgNS, "text");
      cross.setAttribute("x", x(blk.end) + 3);
      cross.setAttribute("y", lanes[blk.client].y + 4);
      cross.setAttribute("fill", "#c62828");
      cross.setAttribute("font-weight", "700");
      cross.textContent = "\u2716";
      svg.appendChild(cross);
    }
    sec.appendChild(svg);
    view.appendChild(sec);
  }

  function draw() {
    var left = view.scrollLeft, top = view.scrollTop;
    view.textContent = "";
    var width = laneWidth();
    drawAnnotations(width);
    data.partitions.forEach(function (_, p) { drawPartition(p, width); });
    view.scrollLeft = left; view.scrollTop = top;
  }

  function firstProblem() {
    for (var p = 0; p < data.partitions.length; p++) {
      var f = data.partitions[p].failure;
      if (f) { selected[p] = 0; collapsed[p] = false; selectOp(p, f.blocked, false); return; }
    }
  }

  function zoom(factor) {
    var centre = (view.scrollLeft + view.clientWidth / 2 - LABEL_W) / scale;
    scale = Math.min(20, Math.max(0.01, scale * factor));
    draw();
    view.scrollLeft = Math.max(0, centre * scale + LABEL_W - view.clientWidth / 2);
  }

  // For tests in a headless browser: run every interaction once, without a mouse.
  function exercise() {
    zoom(1.5); zoom(1 / 1.5);
    data.partitions.forEach(function (part, p) {
      part.ops.forEach(function (_, i) { opText(p, i); });
      if (part.ops.length) selectOp(p, part.ops.length - 1, true);
      collapsed[p] = true; draw(); collapsed[p] = false;
    });
    firstProblem();
  }

  try {
    summary();
    document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.5); });
    document.getElementById("zoom-out").addEventListener("click", function () { zoom(1 / 1.5); });
    document.getElementById("jump").addEventListener("click", firstProblem);
    view.addEventListener("click", function () {
      selectedOp = null;
      selected = data.partitions.map(function () { return 0; });
      draw();
      details.textContent = "";
      details.appendChild(el("span", "muted", "Hover over or click an operation."));
    });
    draw();
    var bad = data.partitions.findIndex(function (p) { return p.failure; });
    if (bad >= 0) firstProblem();  // start where it breaks
    if (location.hash === "#exercise") exercise();
    document.body.setAttribute("data-render", "done");
    statusEl.textContent = "rendered";
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
    throw e;
  }
})();
</script>
</body>
</html>
"""
