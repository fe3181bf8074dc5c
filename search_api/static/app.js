// ailex: the only script of the site (no inline scripts: the pages work without it).
// Copy buttons: <button data-copy="ID" hidden> copies the text of the field with that id.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var status = document.querySelector(".status-msg");
  function say(text) { if (status) { status.textContent = text; } }
  function fallback(field) {
    field.focus();
    field.select();
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) { return; }
      var done = function () { button.textContent = "Copied"; say("Citation copied to the clipboard."); };
      var failed = function () { if (fallback(field)) { done(); } else { say("Select the text and copy it."); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, failed);
      } else {
        failed();
      }
    });
  });
});
