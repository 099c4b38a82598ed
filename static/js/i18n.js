// The page's language for the scripts: _("...") and ngettext("...", "...", n) look strings up in the catalogue the
// page loaded before this file (/i18n/<lang>/<version>/messages.js, made from the compiled translations), and fill
// in %(name)s placeholders. A missing catalogue or string shows the English text, never nothing.
(function () {
  "use strict";
  var catalogue = window.portalMessages || { messages: {}, plural: function (n) { return n === 1 ? 0 : 1; } };

  function fill(text, values) {
    if (!values) { return text; }
    return text.replace(/%\(([a-z_]+)\)[sd]/g, function (whole, name) {
      return Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : whole;
    });
  }

  function gettext(message, values) {
    var found = catalogue.messages[message];
    return fill(typeof found === "string" && found ? found : message, values);
  }

  function ngettext(singular, plural, count, values) {
    var forms = catalogue.messages[singular];
    var merged = { num: count };
    Object.keys(values || {}).forEach(function (key) { merged[key] = values[key]; });
    if (Array.isArray(forms) && forms.length) {
      var index = Math.min(catalogue.plural(count), forms.length - 1);
      return fill(forms[index], merged);
    }
    return fill(count === 1 ? singular : plural, merged);
  }

  window.portalI18n = { gettext: gettext, ngettext: ngettext };
})();
