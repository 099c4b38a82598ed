// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  // Open the locations group that holds a linked site (e.g. #locations after a search).
  if (window.location.hash === "#locations") {
    var first = document.querySelector("#locations details");
    if (first) { first.open = true; }
  }
})();
