/* Where does a count come from? Shows a trial's events/total per arm, the provenance word and the
   source (data/outcomes.csv) for a forest-plot row (svg g.lr-study) or a table cell (td.lr-prov), on
   hover, keyboard focus and tap. Text only (textContent), no library, no network. */
(function () {
  "use strict";
  var tip = null, current = null;

  function make() {
    tip = document.createElement("div");
    tip.id = "lr-prov-tip";
    tip.className = "lr-prov-tip";
    tip.setAttribute("role", "status");
    tip.setAttribute("aria-live", "polite");
    tip.hidden = true;
    document.body.appendChild(tip);
  }

  function line(label, value) {
    if (!value) return;
    var p = document.createElement("p");
    var b = document.createElement("strong");
    b.textContent = label + ": ";
    p.appendChild(b);
    p.appendChild(document.createTextNode(value));
    tip.appendChild(p);
  }

  function show(el) {
    if (!tip) make();
    var d = el.dataset;
    tip.textContent = "";
    var h = document.createElement("p");
    h.className = "lr-prov-title";
    h.textContent = d.study + (d.outcome ? " — " + d.outcome : "");
    tip.appendChild(h);
    line("TAC events/total", d.tac);
    line("Control events/total", d.ctl);
    line("Risk ratio (95% CI)", d.rr);
    line("Weight (%)", d.weight);
    line("Counts", d.provenance);
    line("Source", d.source);
    tip.hidden = false;
    var r = el.getBoundingClientRect();
    var w = Math.min(360, document.documentElement.clientWidth - 16);
    tip.style.maxWidth = w + "px";
    var left = Math.max(8, Math.min(r.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - w - 8));
    tip.style.left = left + "px";
    tip.style.top = (r.bottom + window.scrollY + 6) + "px";
    if (current && current !== el) current.classList.remove("lr-prov-active");
    current = el;
    el.classList.add("lr-prov-active");
  }

  function hide(el) {
    if (tip && (!el || el === current)) {
      tip.hidden = true;
      if (current) current.classList.remove("lr-prov-active");
      current = null;
    }
  }

  function init() {
    var els = document.querySelectorAll("g.lr-study, .lr-prov");
    Array.prototype.forEach.call(els, function (el) {
      el.addEventListener("mouseenter", function () { show(el); });
      el.addEventListener("mouseleave", function () { if (document.activeElement !== el) hide(el); });
      el.addEventListener("focus", function () { show(el); });
      el.addEventListener("blur", function () { hide(el); });
      // A tap (or click) shows; a tap elsewhere, Escape or moving focus away hides. (A toggle would close
      // at once: the tap's own mouseenter and focus have already shown it.)
      el.addEventListener("click", function (ev) { ev.stopPropagation(); show(el); });
      el.addEventListener("keydown", function (ev) {
        if (ev.key === "Escape") { hide(el); }
        else if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); show(el); }
      });
    });
  }

  document.addEventListener("click", function () { hide(); });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
