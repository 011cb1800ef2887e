/* Keeps the page frame in step with searches that htmx runs in place: after the address changes,
 * the language menu links carry the new query, so switching language keeps the search. */
(function () {
  "use strict";
  function syncLanguageLinks() {
    document.querySelectorAll("a[data-language]").forEach(function (a) {
      var url = new URL(a.getAttribute("href"), window.location.href);
      url.search = window.location.search;
      a.setAttribute("href", url.pathname + url.search);
    });
  }
  document.addEventListener("htmx:pushedIntoHistory", syncLanguageLinks);
  window.addEventListener("popstate", syncLanguageLinks);
})();
