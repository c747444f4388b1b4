/* The robustness explorer of the efficacy and safety pages: choose an analysis, see its result.
 *
 * No framework, no network: the data are a script written next to this one by
 * livingreview.results.write_robustness (robustness-<analysis>.js sets window.LR_ROBUSTNESS[analysis]),
 * loaded with a <script> element so that the built site works from file:// too.
 * Numbers are printed as livingreview.fmt prints them: two decimals for risk ratios, I² as a whole
 * percentage, τ² with three decimals, counts with thousands separators.
 */
(function () {
  "use strict";
  var SELF = document.currentScript ? document.currentScript.src : "";
  var NS = "http://www.w3.org/2000/svg";
  var UNDEFINED = "\u2013";
  var C = {};
  // short names of the choices, for the rows beneath the specification curve
  var SHORT = {"MH-cc": "MH, 0.5 in zero cells", "MH": "MH, no correction", "IV": "inverse variance",
               "DL": "DL random effects", "REML": "REML random effects", "PM": "PM random effects",
               mh: "MH interval", z: "Wald interval", hksj: "Knapp\u2013Hartung", hksj_modified: "modified Knapp\u2013Hartung",
               living: "living trials", "2016": "2016 trials", all: "all counts", without_unverified: "without unverified",
               without_derived: "without derived", alternative: "alternative count"};

  function base() { return SELF ? SELF.replace(/[^\/]*$/, "") : "../_static/"; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function sv(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    for (var k in attrs || {}) { e.setAttribute(k, attrs[k]); }
    if (text !== undefined) { e.textContent = text; }
    return e;
  }
  function ok(x) { return x !== null && x !== undefined && isFinite(x); }
  function num(x, d) { return ok(x) ? Number(x).toFixed(d) : UNDEFINED; }
  function ci(lo, hi) { return ok(lo) && ok(hi) ? num(lo, 2) + " to " + num(hi, 2) : UNDEFINED; }
  function rrText(rr, lo, hi) {
    if (!ok(rr)) { return "not estimable"; }
    if (!ok(lo) || !ok(hi)) { return num(rr, 2) + " (no CI)"; }
    return num(rr, 2) + " (" + ci(lo, hi) + ")";
  }
  function int(x) { return ok(x) ? String(Math.round(x)).replace(/\B(?=(\d{3})+(?!\d))/g, ",") : UNDEFINED; }
  function pct(x) { return ok(x) ? num(x, 0) + "%" : UNDEFINED; }

  function Explorer(root, data) {
    this.root = root;
    this.d = data;
    var cols = {};
    data.columns.forEach(function (c, i) { cols[c] = i; });
    this.c = cols;
    this.index = {};
    var self = this;
    data.rows.forEach(function (r) { self.index[self.key(r)] = r; });
    var first = root.getAttribute("data-outcome");
    this.state = {
      outcome: data.outcomes.indexOf(first) >= 0 ? first : data.outcomes[0], population: "all"
    };
    this.reset(false);
    this.build();
    this.update();
    var timer = null, last = this.width();
    window.addEventListener("resize", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { if (self.width() !== last) { last = self.width(); self.update(); } }, 150);
    });
  }
  Explorer.prototype.get = function (r, col) { return r[this.c[col]]; };
  Explorer.prototype.key = function (r) {
    var g = this.get.bind(this, r);
    return [g("outcome"), g("population"), g("model"), g("ci_method"), g("trials_rule"), g("counts_rule"),
            g("alternative"), g("left_out")].join("\u0001");
  };
  Explorer.prototype.reset = function (redraw) {
    var p = this.d.primary;
    this.state.model = p.model; this.state.ci = p.ci_method; this.state.trials = p.trials_rule;
    this.state.counts = p.counts_rule; this.state.left = p.left_out;
    if (redraw) { this.update(); }
  };
  Explorer.prototype.lookup = function (s) {
    var rule = s.counts.indexOf("alternative:") === 0 ? "alternative" : s.counts;
    var alt = rule === "alternative" ? s.counts.slice("alternative:".length) : "";
    return this.index[[s.outcome, s.population, s.model, s.ci, s.trials, rule, alt, s.left].join("\u0001")];
  };
  Explorer.prototype.select = function (name, label, help) {
    var id = "lr-x-" + this.d.analysis + "-" + name;
    var wrap = el("div", {"class": "lr-x-control"});
    wrap.appendChild(el("label", {"for": id}, label));
    var s = el("select", {id: id, name: name, "data-control": name});
    if (help) { s.setAttribute("title", help); }
    wrap.appendChild(s);
    var self = this;
    s.addEventListener("change", function () { self.state[name] = s.value; self.update(); });
    this.controls[name] = s;
    return wrap;
  };
  Explorer.prototype.build = function () {
    var d = this.d, self = this;
    this.controls = {};
    this.root.textContent = "";
    var form = el("form", {"class": "lr-x-controls", "aria-label": "Choose an analysis"});
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    form.appendChild(this.select("outcome", "Outcome"));
    form.appendChild(this.select("population", "Trials of"));
    form.appendChild(this.select("model", "Model"));
    form.appendChild(this.select("ci", "95% interval"));
    form.appendChild(this.select("trials", "Trials"));
    form.appendChild(this.select("counts", "Counts"));
    form.appendChild(this.select("left", "Leave out"));
    var btn = el("button", {type: "button", "class": "lr-x-reset"}, "Back to the page's primary analysis");
    btn.addEventListener("click", function () { self.reset(true); });
    form.appendChild(btn);
    this.root.appendChild(form);
    this.out = el("div", {"class": "lr-x-result", "aria-live": "polite", role: "status"});
    this.root.appendChild(this.out);
    this.forest = el("figure", {"class": "lr-x-forest"});
    this.root.appendChild(this.forest);
    this.curve = el("figure", {"class": "lr-x-curve"});
    this.root.appendChild(this.curve);
  };
  Explorer.prototype.fill = function (name, options, value) {
    var s = this.controls[name];
    s.textContent = "";
    var values = options.map(function (o) { return o[0]; });
    if (values.indexOf(value) < 0) { value = values[0]; }
    options.forEach(function (o) {
      var opt = el("option", {value: o[0]}, o[1]);
      if (o[2]) { opt.disabled = true; }
      s.appendChild(opt);
    });
    s.value = value;
    s.disabled = options.length < 2;
    this.state[name] = value;
  };
  Explorer.prototype.rowsWhere = function (f) {
    var self = this;
    return this.d.rows.filter(function (r) { return f(function (c) { return self.get(r, c); }); });
  };
  Explorer.prototype.update = function () {
    var d = this.d, s = this.state, self = this, ch = d.choices;
    this.fill("outcome", d.outcomes.map(function (o) { return [o, d.labels[o]]; }), s.outcome);
    var pops = Object.keys(d.populations).filter(function (p) {
      return self.rowsWhere(function (g) { return g("outcome") === s.outcome && g("population") === p; }).length;
    });
    this.fill("population", pops.map(function (p) { return [p, d.populations[p]]; }), s.population);
    this.fill("model", Object.keys(ch.model).map(function (m) { return [m, ch.model[m]]; }), s.model);
    var cis = s.model === "MH-cc" || s.model === "MH" ? ["mh"] : s.model === "IV" ? ["z"] : ["z", "hksj", "hksj_modified"];
    this.fill("ci", cis.map(function (c) { return [c, ch.ci_method[c]]; }), s.ci);
    this.fill("trials", ["living", "2016"].map(function (t) { return [t, ch.trials_rule[t]]; }), s.trials);
    var here = this.rowsWhere(function (g) {
      return g("outcome") === s.outcome && g("population") === s.population && g("trials_rule") === s.trials
        && g("model") === s.model && g("ci_method") === s.ci;
    });
    var counts = [["all", ch.counts_rule.all], ["without_unverified", ch.counts_rule.without_unverified],
                  ["without_derived", ch.counts_rule.without_derived]];
    var seen = {};
    here.forEach(function (r) {
      var alt = self.get(r, "alternative");
      if (alt && !seen[alt]) {
        seen[alt] = 1;
        var p = alt.split(" "), who = d.labels[p[0]] || p[0], kv = p[1].split("=");
        counts.push(["alternative:" + alt, "Alternative: " + who + ", " + (kv[0] === "tac_events" ? "TAC" : "control")
                     + " events = " + kv[1]]);
      }
    });
    this.fill("counts", counts, s.counts);
    var rule = s.counts.indexOf("alternative:") === 0 ? "alternative" : s.counts;
    var alt = rule === "alternative" ? s.counts.slice(12) : "";
    var full = here.filter(function (r) {
      return self.get(r, "counts_rule") === rule && self.get(r, "alternative") === alt && self.get(r, "left_out") === "";
    })[0];
    var left = [["", "No trial"]];
    here.forEach(function (r) {
      var lo = self.get(r, "left_out");
      if (lo && self.get(r, "counts_rule") === rule && self.get(r, "alternative") === alt) {
        left.push([lo, d.labels[lo] || lo]);
      }
    });
    this.fill("left", left, s.left);
    this.show(this.lookup(s), full);
  };
  Explorer.prototype.width = function () {
    var cs = window.getComputedStyle(this.root);
    var w = this.root.clientWidth - parseFloat(cs.paddingLeft || 0) - parseFloat(cs.paddingRight || 0);
    return Math.max(300, Math.min(640, w > 0 ? w : 640));
  };
  Explorer.prototype.isPrimary = function () {
    var p = this.d.primary, s = this.state;
    return s.model === p.model && s.ci === p.ci_method && s.trials === p.trials_rule && s.counts === p.counts_rule
      && s.left === p.left_out;
  };
  Explorer.prototype.show = function (r, full) {
    var d = this.d, s = this.state, out = this.out, self = this;
    out.textContent = "";
    this.forest.textContent = "";
    var title = d.labels[s.outcome] + ", " + d.populations[s.population].toLowerCase();
    out.appendChild(el("p", {"class": "lr-x-title"}, title));
    if (!r) {
      out.appendChild(el("p", {"class": "lr-x-sentence"}, full ? "No trial is left under these choices."
        : "No trial has counts under these choices, so there is nothing to pool."));
      this.drawCurve(null);
      return;
    }
    var g = this.get.bind(this, r);
    var dl = el("dl", {"class": "lr-x-numbers"});
    function item(name, value, cls) {
      dl.appendChild(el("dt", {}, name));
      dl.appendChild(el("dd", {"class": "lr-x-" + cls}, value));
    }
    var fixed = ["MH-cc", "MH", "IV"].indexOf(s.model) >= 0;
    item("Risk ratio (95% CI)", rrText(g("rr"), g("ci_low"), g("ci_high")), "rr");
    item("Trials pooled (k)", int(g("k")), "k");
    item("Participants", int(g("participants")), "participants");
    item("I\u00b2", pct(g("i2")), "i2");
    item("\u03c4\u00b2", fixed ? "not estimated (fixed effect)" : num(g("tau2"), 3), "tau2");
    out.appendChild(dl);
    var higher = d.higher_is[s.outcome], sentence;
    if (!ok(g("rr"))) {
      sentence = g("k") < 2 && !fixed ? "A random-effects model needs two or more trials: not estimable here."
        : "Not estimable with these counts.";
    } else if (!ok(g("ci_low")) || !ok(g("ci_high"))) {
      sentence = "This analysis has no confidence interval.";
    } else {
      var inc = g("ci_low") <= 1 && g("ci_high") >= 1;
      var favTac = higher === "better" ? g("rr") > 1 : g("rr") < 1;
      var who = g("k") === 1 ? "this trial cannot" : "these trials cannot";
      sentence = inc ? "The 95% interval includes 1 (no effect): " + who + " tell TAC from control on this outcome."
        : "The 95% interval excludes 1 (no effect): this analysis favours " + (favTac ? "TAC" : "control") + ".";
    }
    out.appendChild(el("p", {"class": "lr-x-sentence"}, sentence));
    if (this.isPrimary()) {
      out.appendChild(el("p", {"class": "lr-x-note"}, "This is the page's primary analysis (the forest plot and the table above)."));
    }
    this.drawForest(r);
    this.drawCurve(r);
  };
  Explorer.prototype.trial = function (sid, alt) {
    var t = this.d.trials;
    var k = this.state.outcome + "|" + sid + "|";
    return (alt && t[k + alt]) || t[k];
  };
  Explorer.prototype.drawForest = function (r) {
    var g = this.get.bind(this, r), d = this.d, self = this;
    var ids = g("trials"), wts = g("weights"), alt = g("alternative");
    var rows = ids.map(function (sid, i) {
      var t = self.trial(sid, alt);
      return {label: d.labels[sid] || sid, ev: t ? int(t[0]) + "/" + int(t[1]) + " vs " + int(t[2]) + "/" + int(t[3]) : "",
              rr: t ? t[5] : null, lo: t ? t[6] : null, hi: t ? t[7] : null, w: wts[i]};
    });
    // Wide: one line per trial (label, counts, interval, RR, weight). Narrow (a phone): two lines per
    // trial, the label, weight and RR above and the interval across the whole width beneath.
    var W = this.width(), narrow = W < 560;
    var rowH = narrow ? 40 : 24, top = narrow ? 8 : 22, n = rows.length + 1, H = top + rowH * n + 34;
    var x0 = narrow ? 8 : 250, x1 = narrow ? W - 8 : 470;
    var vals = [0.5, 2];
    rows.concat([{lo: g("ci_low"), hi: g("ci_high")}]).forEach(function (o) {
      if (ok(o.lo)) { vals.push(o.lo); } if (ok(o.hi)) { vals.push(o.hi); }
    });
    var lmin = Math.log(Math.max(Math.min.apply(null, vals) / 1.2, 0.01));
    var lmax = Math.log(Math.min(Math.max.apply(null, vals) * 1.2, 100));
    function X(v) { return x0 + (Math.log(Math.min(Math.max(v, Math.exp(lmin)), Math.exp(lmax))) - lmin) / (lmax - lmin) * (x1 - x0); }
    var svg = sv("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "class": "lr-x-svg",
                         "aria-label": "Forest plot of the " + rows.length + " trials pooled by this analysis"});
    if (!narrow) {
      svg.appendChild(sv("text", {x: 4, y: 14, "class": "lr-x-head"}, "Trial"));
      svg.appendChild(sv("text", {x: 110, y: 14, "class": "lr-x-head"}, "TAC vs control"));
      svg.appendChild(sv("text", {x: 480, y: 14, "class": "lr-x-head"}, "RR (95% CI)"));
      svg.appendChild(sv("text", {x: 636, y: 14, "class": "lr-x-head", "text-anchor": "end"}, "Weight"));
    }
    var wmax = Math.max.apply(null, wts.concat([1]));
    rows.forEach(function (o, i) {
      var y = top + rowH * i + rowH / 2, yl = narrow ? y - 8 : y + 4, yc = narrow ? y + 9 : y;
      var wt = ok(o.w) ? num(o.w, 1) + "%" : UNDEFINED;
      svg.appendChild(sv("text", {x: 4, y: yl}, narrow ? o.label + " (" + wt + ")" : o.label));
      if (!narrow) { svg.appendChild(sv("text", {x: 110, y: yl, "class": "lr-x-small"}, o.ev)); }
      if (ok(o.rr) && ok(o.lo) && ok(o.hi)) {
        svg.appendChild(sv("line", {x1: X(o.lo), x2: X(o.hi), y1: yc, y2: yc, "class": "lr-x-ci"}));
        var half = 3 + 5 * Math.sqrt((o.w || 0) / wmax);
        svg.appendChild(sv("rect", {x: X(o.rr) - half, y: yc - half, width: 2 * half, height: 2 * half, "class": "lr-x-box"}));
      }
      svg.appendChild(sv("text", narrow ? {x: W - 4, y: yl, "class": "lr-x-small", "text-anchor": "end"}
                                        : {x: 480, y: yl, "class": "lr-x-small"}, rrText(o.rr, o.lo, o.hi)));
      if (!narrow) {
        svg.appendChild(sv("text", {x: 636, y: yl, "class": "lr-x-small", "text-anchor": "end"}, wt));
      }
    });
    var yp = top + rowH * rows.length + rowH / 2, ypl = narrow ? yp - 8 : yp + 4, ypc = narrow ? yp + 9 : yp;
    svg.appendChild(sv("text", {x: 4, y: ypl, "class": "lr-x-head"}, "Pooled"));
    if (ok(g("rr")) && ok(g("ci_low")) && ok(g("ci_high"))) {
      var pts = [[X(g("ci_low")), ypc], [X(g("rr")), ypc - 7], [X(g("ci_high")), ypc], [X(g("rr")), ypc + 7]];
      svg.appendChild(sv("polygon", {points: pts.map(function (p) { return p.join(","); }).join(" "), "class": "lr-x-diamond"}));
    }
    svg.appendChild(sv("text", narrow ? {x: W - 4, y: ypl, "class": "lr-x-head", "text-anchor": "end"}
                                      : {x: 480, y: ypl, "class": "lr-x-head"}, rrText(g("rr"), g("ci_low"), g("ci_high"))));
    var yb = top + rowH * n + 4;
    if (narrow) {  // the line of no effect only across the intervals, clear of the text above them
      for (var j = 0; j < n; j++) {
        var yj = top + rowH * j + rowH / 2 + 9;
        svg.appendChild(sv("line", {x1: X(1), x2: X(1), y1: yj - 9, y2: yj + 9, "class": "lr-x-one"}));
      }
      svg.appendChild(sv("line", {x1: X(1), x2: X(1), y1: yb - 4, y2: yb, "class": "lr-x-one"}));
    } else {
      svg.appendChild(sv("line", {x1: X(1), x2: X(1), y1: top, y2: yb, "class": "lr-x-one"}));
    }
    svg.appendChild(sv("line", {x1: x0, x2: x1, y1: yb, y2: yb, "class": "lr-x-axis"}));
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].forEach(function (t) {
      if (Math.log(t) >= lmin && Math.log(t) <= lmax) {
        svg.appendChild(sv("text", {x: X(t), y: yb + 14, "class": "lr-x-small", "text-anchor": "middle"}, String(t)));
      }
    });
    var fav = d.higher_is[this.state.outcome] === "better" ? ["Favours control", "Favours TAC"] : ["Favours TAC", "Favours control"];
    svg.appendChild(sv("text", {x: x0, y: yb + 28, "class": "lr-x-small"}, fav[0]));
    svg.appendChild(sv("text", {x: x1, y: yb + 28, "class": "lr-x-small", "text-anchor": "end"}, fav[1]));
    this.forest.appendChild(svg);
    this.forest.appendChild(el("figcaption", {}, "Trials pooled by the chosen analysis: each trial's risk ratio (0.5 added to every cell of a trial with a zero cell) and its weight in this model; the diamond is the pooled estimate."));
  };
  Explorer.prototype.drawCurve = function (current) {
    var d = this.d, s = this.state, self = this;
    this.curve.textContent = "";
    var seen = {}, pts = [];
    this.rowsWhere(function (g) { return g("outcome") === s.outcome && g("population") === s.population; })
      .forEach(function (r) {
        var g = self.get.bind(self, r);
        if (!ok(g("rr")) || !ok(g("ci_low")) || !ok(g("ci_high"))) { return; }
        var k = [g("model"), g("ci_method"), g("trials").join(";"), g("alternative")].join("|");
        if (!seen[k]) {
          seen[k] = {rr: g("rr"), lo: g("ci_low"), hi: g("ci_high"), cur: false, on: {}};
          pts.push(seen[k]);
        }
        var p = seen[k];
        if (r === current) { p.cur = true; }
        // every choice that gives this analysis (several choices can pool the same trials and counts)
        ["model:" + g("model"), "ci_method:" + g("ci_method"), "trials_rule:" + g("trials_rule"),
         "counts_rule:" + g("counts_rule"), "left_out:" + g("left_out")].forEach(function (c) { p.on[c] = true; });
      });
    if (!pts.length) { return; }
    pts.sort(function (a, b) { return a.rr - b.rr || a.lo - b.lo; });
    var higher = d.higher_is[s.outcome];
    var fav = pts.filter(function (p) { return higher === "better" ? p.rr > 1 : p.rr < 1; }).length;
    var exc = pts.filter(function (p) { return p.lo > 1 || p.hi < 1; }).length;
    var ch = d.choices, rowsM = [];
    Object.keys(ch.model).forEach(function (m) { rowsM.push(["model:" + m, SHORT[m] || m]); });
    Object.keys(ch.ci_method).forEach(function (c) { rowsM.push(["ci_method:" + c, SHORT[c] || c]); });
    ["living", "2016"].forEach(function (t) { rowsM.push(["trials_rule:" + t, SHORT[t]]); });
    Object.keys(ch.counts_rule).forEach(function (c) { rowsM.push(["counts_rule:" + c, SHORT[c] || c]); });
    var lefts = {};
    pts.forEach(function (p) { Object.keys(p.on).forEach(function (c) { if (c.indexOf("left_out:") === 0) { lefts[c] = 1; } }); });
    rowsM.push(["left_out:", "no trial left out"]);
    Object.keys(lefts).sort().forEach(function (c) {
      if (c !== "left_out:") { rowsM.push([c, "without " + (d.labels[c.slice(9)] || c.slice(9))]); }
    });
    var rowM = 11, W = this.width(), L = 132, R = W - 8, T = 8, B = 170, M0 = B + 26;
    var H = M0 + rowM * rowsM.length + 6;
    var vals = [0.5, 2];
    pts.forEach(function (p) { vals.push(p.lo, p.hi); });
    var lmin = Math.log(Math.max(Math.min.apply(null, vals) / 1.2, 0.01));
    var lmax = Math.log(Math.min(Math.max.apply(null, vals) * 1.2, 100));
    function Y(v) { return B - (Math.log(Math.min(Math.max(v, Math.exp(lmin)), Math.exp(lmax))) - lmin) / (lmax - lmin) * (B - T); }
    function X(i) { return L + (pts.length === 1 ? (R - L) / 2 : i / (pts.length - 1) * (R - L)); }
    var svg = sv("svg", {viewBox: "0 0 " + W + " " + H, width: W, height: H, role: "img", "class": "lr-x-svg",
      "aria-label": "Specification curve: " + pts.length + " distinct analyses sorted by risk ratio, with the choices that give each marked beneath"});
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100].forEach(function (t) {
      if (Math.log(t) >= lmin && Math.log(t) <= lmax) {
        svg.appendChild(sv("text", {x: L - 4, y: Y(t) + 4, "class": "lr-x-small", "text-anchor": "end"}, String(t)));
      }
    });
    svg.appendChild(sv("line", {x1: L, x2: R, y1: Y(1), y2: Y(1), "class": "lr-x-one"}));
    pts.forEach(function (p, i) {
      var cls = p.cur ? "lr-x-cur" : "lr-x-pt";
      svg.appendChild(sv("line", {x1: X(i), x2: X(i), y1: Y(p.lo), y2: Y(p.hi), "class": cls}));
      svg.appendChild(sv("circle", {cx: X(i), cy: Y(p.rr), r: p.cur ? 4 : 2, "class": cls}));
    });
    svg.appendChild(sv("text", {x: L, y: B + 16, "class": "lr-x-small"}, "risk ratios (log scale), sorted; red: the one chosen"));
    rowsM.forEach(function (m, j) {
      var y = M0 + rowM * j + rowM / 2;
      svg.appendChild(sv("text", {x: L - 6, y: y + 3, "class": "lr-x-tiny", "text-anchor": "end"}, m[1]));
      pts.forEach(function (p, i) {
        if (p.on[m[0]]) {
          svg.appendChild(sv("rect", {x: X(i) - 1.5, y: y - 2.5, width: 3, height: 5, "class": p.cur ? "lr-x-cur" : "lr-x-mark"}));
        }
      });
    });
    this.curve.appendChild(svg);
    this.curve.appendChild(el("figcaption", {"class": "lr-x-curve-summary"}, "Specification curve: " + int(fav) + " of "
      + int(pts.length) + " distinct analyses of " + d.labels[s.outcome].toLowerCase() + " ("
      + d.populations[s.population].toLowerCase() + ") favour TAC; the 95% interval excludes no effect in "
      + int(exc) + " of the " + int(pts.length) + "."));
  };

  function start(root) {
    var analysis = root.getAttribute("data-analysis");
    function go() {
      var data = window.LR_ROBUSTNESS && window.LR_ROBUSTNESS[analysis];
      if (!data) { root.textContent = "The explorer's data could not be loaded."; return; }
      C[analysis] = new Explorer(root, data);
    }
    if (window.LR_ROBUSTNESS && window.LR_ROBUSTNESS[analysis]) { go(); return; }
    var s = document.createElement("script");
    s.src = base() + "robustness-" + analysis + ".js";
    s.onload = go;
    s.onerror = function () { root.textContent = "The explorer's data could not be loaded."; };
    document.head.appendChild(s);
  }
  function init() {
    var roots = document.querySelectorAll(".lr-explorer[data-analysis]");
    for (var i = 0; i < roots.length; i++) { start(roots[i]); }
  }
  window.LR_EXPLORERS = C;
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", init); } else { init(); }
})();
