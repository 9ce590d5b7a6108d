(function () {
  "use strict";
  // A link to a span inside a scrolling article column: bring the column, then the span, into view.
  function revealTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) { return; }
    var el = document.getElementById(id);
    if (!el) { return; }
    var next = el.nextElementSibling;
    if (next) {
      next.classList.add("hl");
      setTimeout(function () { next.classList.remove("hl"); }, 2500);
    }
  }
  window.addEventListener("hashchange", revealTarget);
  revealTarget();
})();
