/* Alert queue keyboard shortcuts: j/k move between alerts, Enter opens, a acknowledges,
   / jumps to the filters. Ignored while typing in a form field. */
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.alert-row")); }
  function current() {
    var el = document.activeElement;
    return el && el.closest ? el.closest("tr.alert-row") : null;
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var i = all.indexOf(current());
    var next = all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))];
    var link = next.querySelector("a.alert-link");
    if (link) { link.focus(); }
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey) { return; }
    var tag = (ev.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "select" || tag === "textarea") { return; }
    if (ev.key === "j") { move(1); ev.preventDefault(); }
    else if (ev.key === "k") { move(-1); ev.preventDefault(); }
    else if (ev.key === "/") {
      var first = document.getElementById("f-kind");
      if (first) { first.focus(); ev.preventDefault(); }
    } else if (ev.key === "a") {
      var row = current();
      var button = row && row.querySelector("button.ack");
      if (button) { button.click(); ev.preventDefault(); }
    }
  });
})();
