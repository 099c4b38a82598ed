// Progressive enhancement only: every page works without this file.
(function () {
  "use strict";
  var _ = window.portalI18n.gettext;

  // Open the first locations group when someone follows a link to #locations.
  if (window.location.hash === "#locations") {
    var first = document.querySelector("#locations details");
    if (first) { first.open = true; }
  }

  // "Use my location": ask the browser where the reader is, then let the server order the sites.
  var button = document.querySelector(".js-use-location");
  if (button && "geolocation" in navigator) {
    var form = button.form;
    var status = form.querySelector(".js-location-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      status.textContent = _("Finding your location…");
      navigator.geolocation.getCurrentPosition(
        function (position) {
          form.querySelector(".js-latitude").value = position.coords.latitude.toFixed(4);
          form.querySelector(".js-longitude").value = position.coords.longitude.toFixed(4);
          form.querySelector(".js-locate").click();
        },
        function () {
          status.textContent = _("We could not get your location. Please type your ZIP code or city instead.");
        },
        { timeout: 10000, maximumAge: 600000 }
      );
    });
  }

  // After a form error, bring the reader to the error summary; after "Find the nearest site", to the message that
  // says the sites were reordered (the server marks it with data-focus-on-load). Focus makes a screen reader read it.
  var target = document.querySelector(".error-summary") || document.querySelector("[data-focus-on-load]");
  if (target) {
    target.setAttribute("tabindex", "-1");
    target.focus();
    // Chromium scrolls to the form's #contact once the page has loaded, and that takes the focus away: give it back.
    window.addEventListener("load", function () {
      if (document.activeElement === document.body) { target.focus(); }
    });
  }
})();
