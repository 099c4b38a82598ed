// Progressive enhancement: the search page works without this file.
// The filters start closed, so on a phone the first result is on the first screen. Wide screens have room for
// them: search.css shows them there before this runs, and this opens the disclosure so its state says so too.
(function () {
  "use strict";
  var filters = document.querySelector(".js-search-filters");
  if (!filters) { return; }
  if (window.matchMedia("(min-width: 48rem)").matches) { filters.open = true; }
  filters.classList.add("is-enhanced");
})();
