// The live reading preview of `grader serve`: as a student types an entry, the server reads it
// with the grader's own reader and this shows the result (MathML, or the error with its caret)
// under the entry. Only same-origin requests; the page works without this script.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  var lang = document.documentElement.lang;
  document.querySelectorAll("input[data-preview]").forEach(function (input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    var latest = 0;
    function show() {
      var mine = ++latest;
      var base = input.getAttribute("data-preview");
      var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(lang) +
        "&text=" + encodeURIComponent(input.value);
      fetch(url, {credentials: "same-origin"}).then(function (r) { return r.text(); }).then(function (html) {
        if (mine === latest) { out.innerHTML = html; }  // an older answer never replaces a newer one
      }).catch(function () {});
    }
    input.addEventListener("input", show);
    if (input.value) { show(); }  // values the browser restored on going back
  });
  document.querySelectorAll("form[data-wait]").forEach(function (form) {
    form.addEventListener("submit", function () {
      var note = form.querySelector(".wait");
      if (note) { note.textContent = form.getAttribute("data-wait"); note.hidden = false; }
    });
  });
});
