// Sharing private notes: a link and passcode from the server, emailing the link, and revoking it.
// Used by notes.js, which passes in the panel and its storage helpers.
(function () {
  "use strict";
  var _ = window.portalI18n.gettext;
  var ngettext = window.portalI18n.ngettext;

  window.TrialNotesShare = function (ctx) {
    var panel = ctx.panel;
    var data = panel.dataset;
    var $ = ctx.$;
    var load = ctx.load;
    var store = ctx.store;
    var announce = ctx.announce;
    var NOTES_KEY = ctx.NOTES_KEY;
    var SHARES_KEY = ctx.SHARES_KEY;
    var nctId = data.nctId;

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
        // The server writes the date in the form every page uses; a share stored before it did falls back to the
        // browser's own long form in the page's language.
        var expires = share.expiresOn || new Date(share.expiresAt).toLocaleDateString(
          document.documentElement.lang || undefined, { day: "numeric", month: "long", year: "numeric" });
        item.querySelector(".share-item__meta").textContent = ngettext(
          "Works until %(date)s · %(num)d note", "Works until %(date)s · %(num)d notes", share.count, { date: expires });
        item.querySelector(".js-share-revoke").addEventListener("click", function () { revoke(share); });
        list.appendChild(item);
      });
      $(".js-shares").hidden = shares.length === 0;
    }

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

    // An error beside a field: shown, announced through aria-describedby, and focused; "" clears it.
    function showFieldError(input, error, hintId, message) {
      error.textContent = message;
      error.hidden = !message;
      var described = [hintId, message ? error.id : ""].filter(Boolean).join(" ");
      if (message) {
        input.setAttribute("aria-invalid", "true");
        input.focus();
      } else {
        input.removeAttribute("aria-invalid");
      }
      if (described) { input.setAttribute("aria-describedby", described); } else { input.removeAttribute("aria-describedby"); }
    }

    function showPasscodeError(message) {
      showFieldError(passcodeInput, passcodeError, "share-passcode-hint", message);
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
      if (!notes.length) { showShareError(_("Please choose at least one note to share.")); return; }
      var own = document.getElementById("share-passcode-own").checked;
      var passcode = own ? passcodeInput.value : "";
      if (own && passcode.replace(/[\s\-_.,]/g, "").length < 8) { showPasscodeError(_("Please choose a passcode of at least 8 characters.")); return; }
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
            shares.push({ url: result.url, ownerToken: result.owner_token, expiresAt: result.expires_at, expiresOn: result.expires_on, count: result.count });
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
          else { showShareError(errors.notes || errors.days || errors.form || _("We could not share your notes. Please check your connection and try again.")); }
        });
      }).catch(function () { showShareError(_("We could not share your notes. Please check your connection and try again.")); });
    });

    $(".js-share-copy").addEventListener("click", function () {
      var input = $(".js-share-link");
      var done = function () { announce(_("Link copied.")); };
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
      showFieldError(emailInput, emailError, "", message);
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
            $(".js-email-status").textContent = _("We are sending the link by email. Remember to give the passcode separately.");
            return;
          }
          var errors = result.errors || {};
          showEmailError(errors.email || errors.form || _("We could not share your notes. Please check your connection and try again."));
        });
      }).catch(function () { showEmailError(_("We could not share your notes. Please check your connection and try again.")); });
    });

    function revoke(share) {
      if (!window.confirm(_("Stop sharing this link? Nobody will be able to open it any more."))) { return; }
      postJson(data.revokeUrl, { owner_token: share.ownerToken }).then(function (response) {
        if (response.status !== 200 && response.status !== 404) { throw new Error(String(response.status)); }
        store(SHARES_KEY, load(SHARES_KEY).filter(function (s) { return s.ownerToken !== share.ownerToken; }));
        $(".js-share-result").hidden = true;
        renderShares();
        document.getElementById("my-notes-heading").focus();
        announce(_("Sharing stopped. The link no longer works."));
      }).catch(function () { announce(_("We could not share your notes. Please check your connection and try again.")); });
    }

    return { renderShares: renderShares };
  };
})();
