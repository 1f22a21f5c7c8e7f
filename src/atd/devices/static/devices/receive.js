// Shipment receipt: a barcode scanner types a serial then Enter. Enter in the scan field adds
// the serial to the list (once) instead of submitting; the list is what the form sends, so
// the page works without this script too.
(function () {
  "use strict";
  var scan = document.getElementById("scan");
  var list = document.getElementById("serials");
  var count = document.getElementById("scan-count");
  if (!scan || !list) return;
  function serials() {
    return list.value.split(/[\s,;]+/).filter(function (s) { return s.length > 0; });
  }
  function show() {
    var n = serials().length;
    count.textContent = n ? n + " serial" + (n === 1 ? "" : "s") + " ready" : "";
  }
  scan.addEventListener("keydown", function (event) {
    if (event.key !== "Enter") return;
    event.preventDefault();
    var serial = scan.value.trim();
    scan.value = "";
    if (!serial) return;
    if (serials().indexOf(serial) === -1) {
      list.value = (list.value.trim() ? list.value.trim() + "\n" : "") + serial;
    }
    show();
  });
  list.addEventListener("input", show);
  show();
})();
