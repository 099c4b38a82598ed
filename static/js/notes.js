// Private notes on a trial page: kept in this browser (localStorage) and sent to the server only when shared.
// Progressive enhancement: without this file the page shows no note controls at all.
// User text only ever reaches the page through textContent and text nodes, never as HTML.
(function () {
  "use strict";

  var panel = document.getElementById("my-notes");
  if (!panel || !window.fetch || !window.JSON || !document.createTreeWalker) { return; }

  var data = panel.dataset;
  var nctId = data.nctId;
  var NOTES_KEY = "trialPortal.notes." + nctId;
  var SHARES_KEY = "trialPortal.noteShares." + nctId;
  var MAX_LENGTH = parseInt(data.maxLength, 10) || 2000;
  var CONTEXT = 32;
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

  // ---- Anchoring: a note is found again by its quote and the text just before and after it. ----

  // The section's visible text with each run of white space as one space, and where each character lives.
  function textIndex(section) {
    var walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT, {
      acceptNode: function (node) {
        return node.parentNode.closest("[data-notes-ui]") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT;
      }
    });
    var chars = [];
    var nodes = [];
    var offsets = [];
    var space = true;
    while (walker.nextNode()) {
      var node = walker.currentNode;
      var value = node.nodeValue;
      for (var i = 0; i < value.length; i++) {
        var ch = value.charAt(i);
        if (/\s/.test(ch)) {
          if (space) { continue; }
          ch = " ";
          space = true;
        } else {
          space = false;
        }
        chars.push(ch);
        nodes.push(node);
        offsets.push(i);
      }
    }
    return { text: chars.join(""), nodes: nodes, offsets: offsets };
  }

  // The index of the first character at or after a boundary point (binary search: positions are in order).
  function indexAt(index, container, offset) {
    var point = document.createRange();
    point.setStart(container, offset);
    var low = 0;
    var high = index.nodes.length;
    while (low < high) {
      var mid = (low + high) >> 1;
      if (point.comparePoint(index.nodes[mid], index.offsets[mid]) >= 0) { high = mid; } else { low = mid + 1; }
    }
    return low;
  }

  function sectionTitle(section) {
    var heading = section.querySelector("h2");
    return heading ? heading.textContent.trim() : "";
  }

  function anchorFromRange(section, range) {
    var index = textIndex(section);
    var start = indexAt(index, range.startContainer, range.startOffset);
    var end = indexAt(index, range.endContainer, range.endOffset);
    while (start < end && index.text.charAt(start) === " ") { start++; }
    while (end > start && index.text.charAt(end - 1) === " ") { end--; }
    if (end <= start) { return null; }
    return {
      section: section.id,
      sectionTitle: sectionTitle(section),
      quote: index.text.slice(start, end),
      prefix: index.text.slice(Math.max(0, start - CONTEXT), start),
      suffix: index.text.slice(end, end + CONTEXT)
    };
  }

  function sharedEnd(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a.charAt(a.length - 1 - n) === b.charAt(b.length - 1 - n)) { n++; }
    return n;
  }

  function sharedStart(a, b) {
    var n = 0;
    while (n < a.length && n < b.length && a.charAt(n) === b.charAt(n)) { n++; }
    return n;
  }

  // Where the quote is now: its own section first, then anywhere (a re-import can move text between sections).
  function locate(note) {
    var own = sections.filter(function (s) { return s.id === note.section; });
    var order = own.concat(sections.filter(function (s) { return s.id !== note.section; }));
    for (var k = 0; k < order.length; k++) {
      var index = textIndex(order[k]);
      var best = null;
      var from = index.text.indexOf(note.quote);
      while (from !== -1) {
        var end = from + note.quote.length;
        var score = sharedEnd(note.prefix || "", index.text.slice(Math.max(0, from - CONTEXT), from)) +
          sharedStart(note.suffix || "", index.text.slice(end, end + CONTEXT));
        if (!best || score > best.score) { best = { score: score, start: from, end: end }; }
        from = index.text.indexOf(note.quote, from + 1);
      }
      if (best) { return { index: index, start: best.start, end: best.end }; }
    }
    return null;
  }

  function highlight(found, noteId) {
    var pieces = [];
    for (var i = found.start; i < found.end; i++) {
      var node = found.index.nodes[i];
      var last = pieces[pieces.length - 1];
      if (last && last.node === node) { last.to = found.index.offsets[i] + 1; }
      else { pieces.push({ node: node, from: found.index.offsets[i], to: found.index.offsets[i] + 1 }); }
    }
    pieces.forEach(function (piece) {
      var target = piece.node;
      if (!target.nodeValue.slice(piece.from, piece.to).trim()) { return; }
      if (piece.from > 0) { target = target.splitText(piece.from); }
      if (piece.to - piece.from < target.nodeValue.length) { target.splitText(piece.to - piece.from); }
      var mark = document.createElement("mark");
      mark.className = "note-mark";
      mark.setAttribute("data-note-id", noteId);
      target.parentNode.insertBefore(mark, target);
      mark.appendChild(target);
    });
  }

  function clearHighlights() {
    Array.prototype.forEach.call(document.querySelectorAll("mark.note-mark"), function (mark) {
      var parent = mark.parentNode;
      while (mark.firstChild) { parent.insertBefore(mark.firstChild, mark); }
      parent.removeChild(mark);
      parent.normalize();
    });
  }

  // ---- The panel ----

  function render() {
    var notes = load(NOTES_KEY);
    clearHighlights();
    var missing = {};
    notes.forEach(function (note) {
      var found = locate(note);
      if (found) { highlight(found, note.id); } else { missing[note.id] = true; }
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
    renderShares();
  }

  function renderShares() {
    var now = Date.now();
    var shares = load(SHARES_KEY).filter(function (s) { return Date.parse(s.expiresAt) > now; });
    store(SHARES_KEY, shares);
    var list = $(".js-shares-list");
    list.textContent = "";
    var template = $(".js-share-template");
    shares.forEach(function (share) {
      var item = template.content.firstElementChild.cloneNode(true);
      var link = item.querySelector(".share-item__link");
      if (/^https?:\/\//.test(share.url)) { link.href = share.url; }
      link.textContent = share.url;
      var expires = new Date(share.expiresAt).toLocaleDateString(document.documentElement.lang || undefined,
        { day: "numeric", month: "long", year: "numeric" });
      var count = share.count === 1 ? data.msgOneNote : data.msgNotesCount.replace("{count}", share.count);
      item.querySelector(".share-item__meta").textContent = data.msgExpires.replace("{date}", expires) + " · " + count;
      item.querySelector(".js-share-revoke").addEventListener("click", function () { revoke(share); });
      list.appendChild(item);
    });
    $(".js-shares").hidden = shares.length === 0;
  }

  function deleteNote(id) {
    store(NOTES_KEY, load(NOTES_KEY).filter(function (n) { return n.id !== id; }));
    render();
    document.getElementById("my-notes-heading").focus();
    announce(data.msgDeleted);
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
      noteError.textContent = data.msgEmpty;
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
    announce(data.msgSaved);
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
      button.textContent = data.msgSection.replace("{section}", heading.textContent.trim());
      button.addEventListener("click", function () {
        var range = document.createRange();
        range.selectNodeContents(heading);
        var anchor = anchorFromRange(section, range);
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
    var anchor = anchorFromRange(section, range);
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
    if (pendingAnchor.quote.length > MAX_LENGTH) { announce(data.msgTooLong); window.alert(data.msgTooLong); return; }
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
    if (!window.confirm(data.msgConfirmAll)) { return; }
    store(NOTES_KEY, []);
    render();
    document.getElementById("my-notes-heading").focus();
    announce(data.msgAllDeleted);
  });

  // ---- Sharing ----

  var shareForm = $(".js-share-form");
  var shareError = $(".js-share-error");
  var passcodeField = $(".js-own-passcode");
  var passcodeInput = $(".js-share-passcode-input");
  var passcodeError = $(".js-passcode-error");
  var lastShare = null;

  function csrfToken() {
    return fetch(data.csrfUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (body) { return body.csrf_token; });
  }

  function postJson(url, body) {
    return csrfToken().then(function (token) {
      return fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
        body: JSON.stringify(body)
      });
    });
  }

  function showShareError(message) {
    shareError.textContent = message;
    shareError.hidden = false;
  }

  function showPasscodeError(message) {
    passcodeError.textContent = message;
    passcodeError.hidden = !message;
    if (message) {
      passcodeInput.setAttribute("aria-invalid", "true");
      passcodeInput.setAttribute("aria-describedby", "share-passcode-hint share-passcode-error");
      passcodeInput.focus();
    } else {
      passcodeInput.removeAttribute("aria-invalid");
      passcodeInput.setAttribute("aria-describedby", "share-passcode-hint");
    }
  }

  $(".js-share-open").addEventListener("click", function () {
    var choices = $(".js-share-choices");
    choices.textContent = "";
    load(NOTES_KEY).forEach(function (note, i) {
      var item = document.createElement("li");
      item.className = "checkbox";
      var box = document.createElement("input");
      box.type = "checkbox";
      box.id = "share-note-" + i;
      box.value = note.id;
      box.checked = true;
      var label = document.createElement("label");
      label.htmlFor = box.id;
      label.textContent = note.note.length > 80 ? note.note.slice(0, 79) + "…" : note.note;
      item.appendChild(box);
      item.appendChild(label);
      choices.appendChild(item);
    });
    shareError.hidden = true;
    showPasscodeError("");
    $(".js-share-result").hidden = true;
    shareForm.hidden = false;
    shareForm.querySelector("h3").setAttribute("tabindex", "-1");
    shareForm.querySelector("h3").focus();
  });

  $(".js-share-cancel").addEventListener("click", function () {
    shareForm.hidden = true;
    $(".js-share-open").focus();
  });

  Array.prototype.forEach.call(shareForm.querySelectorAll("input[name=share-passcode-kind]"), function (radio) {
    radio.addEventListener("change", function () {
      passcodeField.hidden = !document.getElementById("share-passcode-own").checked;
    });
  });

  shareForm.addEventListener("submit", function (event) {
    event.preventDefault();
    shareError.hidden = true;
    showPasscodeError("");
    var chosen = Array.prototype.map.call(shareForm.querySelectorAll(".js-share-choices input:checked"),
      function (box) { return box.value; });
    var notes = load(NOTES_KEY).filter(function (n) { return chosen.indexOf(n.id) !== -1; });
    if (!notes.length) { showShareError(data.msgNoneChosen); return; }
    var own = document.getElementById("share-passcode-own").checked;
    var passcode = own ? passcodeInput.value : "";
    if (own && passcode.replace(/[\s\-_.,]/g, "").length < 8) { showPasscodeError(data.msgPasscodeShort); return; }
    var body = {
      nct_id: nctId,
      days: parseInt($(".js-share-days").value, 10),
      passcode: passcode,
      notes: notes.map(function (n) {
        return { quote: n.quote, note: n.note, section: n.section, section_title: n.sectionTitle || "" };
      })
    };
    postJson(data.shareUrl, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (result) {
        if (response.status === 201) {
          var shares = load(SHARES_KEY);
          shares.push({ url: result.url, ownerToken: result.owner_token, expiresAt: result.expires_at, count: result.count });
          store(SHARES_KEY, shares);
          shareForm.hidden = true;
          passcodeInput.value = "";
          $(".js-share-link").value = result.url;
          $(".js-share-passcode").textContent = result.passcode;
          lastShare = result;
          var box = $(".js-share-result");
          box.hidden = false;
          box.focus();
          renderShares();
          return;
        }
        var errors = result.errors || {};
        if (errors.passcode) { showPasscodeError(errors.passcode); }
        else { showShareError(errors.notes || errors.days || errors.form || data.msgShareFailed); }
      });
    }).catch(function () { showShareError(data.msgShareFailed); });
  });

  $(".js-share-copy").addEventListener("click", function () {
    var input = $(".js-share-link");
    var done = function () { announce(data.msgCopied); };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else {
      input.select();
      if (document.execCommand("copy")) { done(); }
    }
  });

  var emailForm = $(".js-email-form");
  var emailInput = $(".js-email-input");
  var emailError = $(".js-email-error");

  function showEmailError(message) {
    emailError.textContent = message;
    emailError.hidden = !message;
    if (message) {
      emailInput.setAttribute("aria-invalid", "true");
      emailInput.setAttribute("aria-describedby", "share-email-error");
      emailInput.focus();
    } else {
      emailInput.removeAttribute("aria-invalid");
      emailInput.removeAttribute("aria-describedby");
    }
  }

  emailForm.addEventListener("submit", function (event) {
    event.preventDefault();
    showEmailError("");
    $(".js-email-status").textContent = "";
    if (!lastShare) { return; }
    var body = { owner_token: lastShare.owner_token, url: lastShare.url, email: emailInput.value };
    postJson(data.emailUrl, body).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (result) {
        if (response.status === 200) {
          emailInput.value = "";
          $(".js-email-status").textContent = data.msgEmailed;
          return;
        }
        var errors = result.errors || {};
        showEmailError(errors.email || errors.form || data.msgShareFailed);
      });
    }).catch(function () { showEmailError(data.msgShareFailed); });
  });

  function revoke(share) {
    if (!window.confirm(data.msgConfirmRevoke)) { return; }
    postJson(data.revokeUrl, { owner_token: share.ownerToken }).then(function (response) {
      if (response.status !== 200 && response.status !== 404) { throw new Error(String(response.status)); }
      store(SHARES_KEY, load(SHARES_KEY).filter(function (s) { return s.ownerToken !== share.ownerToken; }));
      $(".js-share-result").hidden = true;
      renderShares();
      document.getElementById("my-notes-heading").focus();
      announce(data.msgRevoked);
    }).catch(function () { announce(data.msgShareFailed); });
  }

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
  addSectionButtons();
  render();
})();
