// Orkesta dashboard: a little progressive enhancement; every page works without it.
"use strict";
document.addEventListener("submit", function (ev) {
  var f = ev.target;
  var msg = f.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); return; }
  // Guard against double submits; the server is idempotent anyway.
  if (f.dataset.sent === "1" && !f.hasAttribute("data-resubmit")) { ev.preventDefault(); return; }
  if (f.method.toLowerCase() === "post" && !f.querySelector("textarea[name=csv]")) { f.dataset.sent = "1"; }
});
document.addEventListener("change", function (ev) {
  var t = ev.target;
  // New payment: the currency follows the From account.
  if (t.id === "from_account") {
    var opt = t.options[t.selectedIndex];
    var cur = opt && opt.getAttribute("data-currency");
    var sel = document.getElementById("currency");
    if (cur && sel) { sel.value = cur; }
  }
  // Webhooks: "All events" and single events exclude each other.
  if (t.id === "all-events") {
    document.querySelectorAll("input[name=events]").forEach(function (c) { c.disabled = t.checked; });
  }
});
