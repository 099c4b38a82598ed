// Private notes on a trial page: kept in this browser (localStorage) and sent to the server only when shared.
// Progressive enhancement: without this file the page shows no note controls at all.
// User text only ever reaches the page through textContent and text nodes, never as HTML.
(function () {
  "use strict";
  var _ = window.portalI18n.gettext;

  var panel = document.getElementById("my-notes");
  if (!panel || !window.fetch || !document.createTreeWalker || !window.TrialNotesAnchor || !window.TrialNotesShare) {
    return;
  }

  var data = panel.dataset;
  var nctId = data.nctId;
  var NOTES_KEY = "trialPortal.notes." + nctId;
  var SHARES_KEY = "trialPortal.noteShares." + nctId;
  var MAX_LENGTH = parseInt(data.maxLength, 10) || 2000;
  var sections = Array.prototype.slice.call(document.querySelectorAll("[data-note-section]"));
  var addButton = document.querySelector(".js-note-add");
  var dialog = document.querySelector(".js-note-dialog");
  var noteForm = dialog.querySelector(".js-note-form");
  var noteText = dialog.querySelector(".js-note-text");
  var noteError = dialog.querySelector(".js-note-error");
  var status = panel.querySelector(".js-notes-status");
  var pendingAnchor = null;
  var editing = null;
  var lastSectionButton = null;

  function $(selector) { return panel.querySelector(selector); }

  function storageWorks() {
    try {
      window.localStorage.setItem("trialPortal.probe", "1");
      window.localStorage.removeItem("trialPortal.probe");
      return true;
    } catch (e) {
      return false;
    }
  }

  function load(key) {
    try {
      var value = JSON.parse(window.localStorage.getItem(key) || "[]");
      return Array.isArray(value) ? value : [];
    } catch (e) {
      return [];
    }
  }

  function store(key, list) {
    if (list.length) { window.localStorage.setItem(key, JSON.stringify(list)); }
    else { window.localStorage.removeItem(key); }
  }

  function announce(message) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = message; }, 50);
  }

  function newId() {
    var bytes = new Uint8Array(8);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var anchors = window.TrialNotesAnchor;
  var sharing = null;

  // ---- The panel ----

  function render() {
    var notes = load(NOTES_KEY);
    anchors.clearHighlights();
    var missing = {};
    notes.forEach(function (note) {
      var found = anchors.locate(note, sections);
      if (found) { anchors.highlight(found, note.id); } else { missing[note.id] = true; }
    });
    var list = $(".js-notes-list");
    list.textContent = "";
    var template = $(".js-note-template");
    notes.forEach(function (note) {
      var item = template.content.firstElementChild.cloneNode(true);
      item.setAttribute("data-note-id", note.id);
      item.setAttribute("tabindex", "-1");
      item.querySelector(".note-item__section").textContent = note.sectionTitle || "";
      item.querySelector(".note-item__quote").textContent = note.quote;
      item.querySelector(".note-item__text").textContent = note.note;
      item.querySelector(".note-item__changed").hidden = !missing[note.id];
      item.querySelector(".js-note-edit").addEventListener("click", function () { openEditor(note, note); });
      item.querySelector(".js-note-delete").addEventListener("click", function () { deleteNote(note.id); });
      list.appendChild(item);
    });
    $(".js-notes-empty").hidden = notes.length > 0;
    $(".js-notes-actions").hidden = notes.length === 0;
    var count = document.querySelector(".js-notes-count");
    if (count) { count.textContent = _("My notes (%(num)s)", { num: notes.length }); }
    sharing.renderShares();
  }

  function deleteNote(id) {
    store(NOTES_KEY, load(NOTES_KEY).filter(function (n) { return n.id !== id; }));
    render();
    document.getElementById("my-notes-heading").focus();
    announce(_("Note deleted."));
  }

  // ---- Adding and editing ----

  function openEditor(anchor, note) {
    pendingAnchor = anchor;
    editing = note;
    dialog.querySelector(".js-note-quote").textContent = anchor.quote;
    noteText.value = note ? note.note : "";
    noteError.hidden = true;
    noteText.removeAttribute("aria-invalid");
    noteText.setAttribute("aria-describedby", "note-text-hint");
    dialog.showModal();
    noteText.focus();
  }

  noteForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = noteText.value.trim();
    if (!text || text.length > MAX_LENGTH) {
      noteError.textContent = _("Please write your note.");
      noteError.hidden = false;
      noteText.setAttribute("aria-invalid", "true");
      noteText.setAttribute("aria-describedby", "note-text-hint note-text-error");
      noteText.focus();
      return;
    }
    var notes = load(NOTES_KEY);
    var now = new Date().toISOString();
    if (editing) {
      notes.forEach(function (n) { if (n.id === editing.id) { n.note = text; n.updated = now; } });
    } else {
      var note = { id: newId(), note: text, created: now, updated: now };
      ["section", "sectionTitle", "quote", "prefix", "suffix"].forEach(function (key) { note[key] = pendingAnchor[key]; });
      notes.push(note);
    }
    store(NOTES_KEY, notes);
    dialog.close();
    hideAddButton(true);
    window.getSelection().removeAllRanges();
    render();
    announce(_("Your note is saved in this browser."));
  });

  dialog.querySelector(".js-note-cancel").addEventListener("click", function () { dialog.close(); });

  function addSectionButtons() {
    sections.forEach(function (section) {
      var heading = section.querySelector("h2");
      if (!heading) { return; }
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button--secondary note-section-button";
      button.setAttribute("data-notes-ui", "");
      button.textContent = _("Add a note to “%(section)s”", { section: heading.textContent.trim() });
      button.addEventListener("click", function () {
        var range = document.createRange();
        range.selectNodeContents(heading);
        var anchor = anchors.fromRange(section, range);
        lastSectionButton = button;
        if (anchor) { openEditor(anchor, null); }
      });
      heading.parentNode.insertBefore(button, heading.nextSibling);
    });
  }

  function selectedAnchor() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return null; }
    var range = selection.getRangeAt(0);
    var container = range.commonAncestorContainer;
    var element = container.nodeType === 1 ? container : container.parentNode;
    var section = element.closest("[data-note-section]");
    if (!section || element.closest("[data-notes-ui]")) { return null; }
    var anchor = anchors.fromRange(section, range);
    return anchor ? { anchor: anchor, range: range, section: section } : null;
  }

  function hideAddButton(force) {
    if (!force && document.activeElement === addButton) { return; }
    if (document.activeElement === addButton) {
      var section = addButton.closest("[data-note-section]");
      var fallback = section && section.querySelector(".note-section-button");
      if (fallback) { fallback.focus(); }
    }
    addButton.hidden = true;
  }

  // Shown next to the selection, and placed in the page right after the selected text, so Tab reaches it.
  function showAddButton(found) {
    pendingAnchor = found.anchor;
    var end = found.range.endContainer;
    var element = end.nodeType === 1 ? end : end.parentNode;
    var block = element.closest("li, p, dd, dt, h2, h3, blockquote, pre, td") || found.section.lastElementChild;
    if (block.tagName === "LI" || block.tagName === "TD" || block.tagName === "DD" || block.tagName === "DT") {
      block.appendChild(addButton);
    } else {
      block.parentNode.insertBefore(addButton, block.nextSibling);
    }
    addButton.hidden = false;
    var rect = found.range.getBoundingClientRect();
    var width = addButton.offsetWidth;
    var left = Math.min(Math.max(8, rect.left + window.scrollX), document.documentElement.clientWidth - width - 8);
    addButton.style.left = left + "px";
    addButton.style.top = (rect.bottom + window.scrollY + 8) + "px";
  }

  var selectionTimer = null;
  document.addEventListener("selectionchange", function () {
    window.clearTimeout(selectionTimer);
    selectionTimer = window.setTimeout(function () {
      if (dialog.open) { return; }
      var found = selectedAnchor();
      if (found) { showAddButton(found); } else { hideAddButton(false); }
    }, 150);
  });

  // Pressing the button must not clear the selection it is about.
  addButton.addEventListener("mousedown", function (event) { event.preventDefault(); });
  addButton.addEventListener("click", function () {
    if (!pendingAnchor) { return; }
    if (pendingAnchor.quote.length > MAX_LENGTH) { announce(_("Please select a shorter piece of text, at most 2,000 characters.")); window.alert(_("Please select a shorter piece of text, at most 2,000 characters.")); return; }
    lastSectionButton = null;
    openEditor(pendingAnchor, null);
  });
  addButton.addEventListener("blur", function () {
    window.setTimeout(function () { if (!selectedAnchor() && !dialog.open) { hideAddButton(false); } }, 150);
  });

  dialog.addEventListener("close", function () {
    if (lastSectionButton) { lastSectionButton.focus(); }
  });

  $(".js-notes-clear").addEventListener("click", function () {
    if (!window.confirm(_("Delete all your notes on this trial? This cannot be undone."))) { return; }
    store(NOTES_KEY, []);
    render();
    document.getElementById("my-notes-heading").focus();
    announce(_("All your notes on this trial are deleted."));
  });

  // ---- Start ----

  panel.hidden = false;
  document.getElementById("my-notes-heading").setAttribute("tabindex", "-1");
  var toc = document.querySelector(".js-notes-toc");
  if (toc) { toc.hidden = false; }
  if (!storageWorks()) {
    $(".js-notes-unavailable").hidden = false;
    $(".js-notes-empty").hidden = true;
    return;
  }
  sharing = window.TrialNotesShare({
    panel: panel, $: $, load: load, store: store, announce: announce, NOTES_KEY: NOTES_KEY, SHARES_KEY: SHARES_KEY
  });
  addSectionButtons();
  render();
})();
