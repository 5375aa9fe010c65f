// The board reloads itself: every data-refresh seconds the page is
// fetched again and its #board replaced, keeping the scroll position;
// without JavaScript a <noscript> meta refresh reloads the whole page.
(function () {
  "use strict";
  var secs = parseInt(document.body.getAttribute("data-refresh"), 10);
  if (!secs || !window.fetch || !window.DOMParser) { return; }
  function reload() {
    fetch(location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.redirected || !r.ok) { location.reload(); return null; }
        return r.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("board"), old = document.getElementById("board");
        if (fresh && old) { old.replaceWith(fresh); }
      })
      .catch(function () { /* offline for a moment: try at the next tick */ })
      .then(function () { setTimeout(reload, secs * 1000); });
  }
  setTimeout(reload, secs * 1000);
})();
