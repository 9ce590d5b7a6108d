(function () {
  "use strict";
  var ATTRS = ["data-claim", "data-quote", "data-entity"];

  function tokens(el, attr) {
    var value = el.getAttribute(attr);
    return value ? value.split(" ") : [];
  }

  function storyOf(el) {
    return el.closest(".story") || document;
  }

  function clear(root) {
    root.querySelectorAll(".hl").forEach(function (el) { el.classList.remove("hl"); });
  }

  // Marks every element of this story (text spans and list items) that belongs to the group.
  function highlight(root, attr, id) {
    clear(root);
    var inText = [];
    root.querySelectorAll("[" + attr + "]").forEach(function (el) {
      if (tokens(el, attr).indexOf(id) >= 0) {
        el.classList.add("hl");
        if (el.closest(".text")) { inText.push(el); }
      }
    });
    return inText;
  }

  // Opens every folded <details> around an element, so a link into a later post shows it.
  function unfold(el) {
    for (var d = el && el.closest("details"); d; d = d.parentElement && d.parentElement.closest("details")) {
      d.open = true;
    }
  }

  function unfoldTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id && document.getElementById(id);
    if (target) { unfold(target); target.scrollIntoView(); }
  }

  // Scrolls every outlet's column to its first highlighted span (unfolding the post it is in), so all
  // members are in view at once.
  function reveal(spans) {
    var done = [];
    spans.forEach(function (el) {
      var column = el.closest(".text");
      var outlet = el.closest(".outlet-col") || column;
      if (!column || done.indexOf(outlet) >= 0) { return; }
      done.push(outlet);
      unfold(column);
      var top = el.getBoundingClientRect().top - column.getBoundingClientRect().top + column.scrollTop;
      column.scrollTop = Math.max(0, top - column.clientHeight / 3);
    });
  }

  function groupOf(el) {
    for (var i = 0; i < ATTRS.length; i++) {
      var ids = tokens(el, ATTRS[i]);
      if (ids.length) { return [ATTRS[i], ids[0]]; }
    }
    return null;
  }

  // On a phone a big story's outlets start folded (their headers and claim counts stay), so the page is a
  // few screens long; a link or a highlighted claim unfolds what it points at.
  if (window.matchMedia && window.matchMedia("(max-width: 760px)").matches) {
    document.querySelectorAll("details.outlet-posts").forEach(function (d) { d.open = false; });
  }

  window.addEventListener("hashchange", unfoldTarget);
  if (location.hash) { unfoldTarget(); }

  // Where the last click was: unfolding a post moves the page under a still mouse, and the hover that
  // follows must not replace what the click highlighted.
  var clickedAt = null;

  document.addEventListener("click", function (event) {
    clickedAt = [event.clientX, event.clientY];
    var link = event.target.closest("a[href^='#']");
    if (link) {
      var target = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
      if (target) { unfold(target); }
    }
    var el = event.target.closest("[data-claim], [data-quote], [data-entity]");
    if (!el) { return; }
    var group = groupOf(el);
    if (group) { reveal(highlight(storyOf(el), group[0], group[1])); }
  });

  // Keyboard: a claim in the text is a button (tabindex 0); Enter or Space does what a click does and
  // says so to assistive technology with aria-pressed.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    var el = event.target;
    if (!el.matches || !el.matches("[role='button'][data-claim], [role='button'][data-quote]")) { return; }
    event.preventDefault();
    var group = groupOf(el);
    if (!group) { return; }
    document.querySelectorAll("[aria-pressed='true']").forEach(function (b) { b.setAttribute("aria-pressed", "false"); });
    el.setAttribute("aria-pressed", "true");
    reveal(highlight(storyOf(el), group[0], group[1]));
  });

  document.addEventListener("mouseover", function (event) {
    if (clickedAt && clickedAt[0] === event.clientX && clickedAt[1] === event.clientY) { return; }
    var el = event.target.closest("li[data-claim], tr[data-entity], .quote-group[data-quote]");
    if (!el) { return; }
    var group = groupOf(el);
    if (group) { highlight(storyOf(el), group[0], group[1]); }
  });

  document.querySelectorAll("input[data-layer]").forEach(function (box) {
    box.addEventListener("change", function () {
      document.body.classList.toggle("hide-" + box.getAttribute("data-layer"), !box.checked);
    });
  });
})();
