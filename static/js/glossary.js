// Explained words on a trial page. Without JavaScript each is a link to its glossary entry; here it becomes a
// button (aria-expanded, aria-controls) that shows the definition just after it. One is open at a time; Escape
// closes it and puts the focus back on its button, as does a second press or a click elsewhere. The definitions
// come from the glossary's JSON (same origin, fetched once); the words this script shows are rendered by the
// server into #glossary-hint's data attributes, so they are translated like the rest of the page.
(function () {
  "use strict";
  var _ = window.portalI18n.gettext;

  var hint = null;
  var definitions = null;
  var openButton = null;
  var count = 0;

  function load() {
    if (!definitions) {
      definitions = fetch(hint.getAttribute("data-glossary-src"), { credentials: "same-origin" })
        .then(function (response) {
          if (!response.ok) { throw new Error(String(response.status)); }
          return response.json();
        })
        .catch(function () {
          definitions = null;
          return {};
        });
    }
    return definitions;
  }

  function close(returnFocus) {
    if (!openButton) { return; }
    var button = openButton;
    openButton = null;
    button.setAttribute("aria-expanded", "false");
    var popover = document.getElementById(button.getAttribute("aria-controls"));
    if (popover) { popover.hidden = true; }
    if (returnFocus) { button.focus(); }
  }

  function fill(popover, entry, href) {
    while (popover.firstChild) { popover.removeChild(popover.firstChild); }
    var text = document.createElement("span");
    text.className = "glossary-term__definition";
    if (entry && entry.lang) { text.setAttribute("lang", entry.lang); }
    text.textContent = entry ? entry.definition : _("The explanation could not be loaded. Follow the link to read it in the glossary.");
    var more = document.createElement("a");
    more.className = "glossary-term__more";
    more.href = href;
    more.textContent = _("Read more in the glossary");
    popover.appendChild(text);
    popover.appendChild(more);
  }

  function open(button) {
    close(false);
    var popover = document.getElementById(button.getAttribute("aria-controls"));
    openButton = button;
    button.setAttribute("aria-expanded", "true");
    load().then(function (entries) {
      if (openButton !== button) { return; }
      fill(popover, entries[button.getAttribute("data-glossary-slug")], button.getAttribute("data-glossary-href"));
      popover.hidden = false;
    });
  }

  function enhance(link) {
    var href = link.getAttribute("href");
    var slug = href.slice(href.indexOf("#") + 1);
    count += 1;
    var wrapper = document.createElement("span");
    wrapper.className = "glossary-term-wrap";
    var button = document.createElement("button");
    button.type = "button";
    button.className = "glossary-term__button";
    button.setAttribute("aria-expanded", "false");
    button.setAttribute("aria-controls", "glossary-popover-" + count);
    button.setAttribute("aria-describedby", "glossary-hint");
    button.setAttribute("data-glossary-slug", slug);
    button.setAttribute("data-glossary-href", href);
    // Moved, not copied: a note's highlight (a <mark>) may already be inside the word.
    while (link.firstChild) { button.appendChild(link.firstChild); }
    var popover = document.createElement("span");
    popover.className = "glossary-term__popover";
    popover.id = "glossary-popover-" + count;
    popover.hidden = true;
    // Notes anchor on the page's own text; the definition is not part of it.
    popover.setAttribute("data-notes-ui", "");
    wrapper.appendChild(button);
    wrapper.appendChild(popover);
    link.parentNode.replaceChild(wrapper, link);
    button.addEventListener("click", function () {
      if (openButton === button) { close(false); } else { open(button); }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    hint = document.getElementById("glossary-hint");
    if (!hint) { return; }
    var links = document.querySelectorAll("a.glossary-term");
    for (var i = 0; i < links.length; i++) { enhance(links[i]); }
  });

  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && openButton) { close(true); }
  });

  document.addEventListener("click", function (event) {
    if (!openButton) { return; }
    var wrap = openButton.parentNode;
    if (!wrap.contains(event.target)) { close(false); }
  });
})();
