// Plain summary editor: the reading grade updates while the author types. Without this file, "Preview" gives it.
(function () {
  "use strict";

  var grade = document.getElementById("reading-grade");
  var textarea = document.getElementById("markdown");
  if (!grade || !textarea || !window.fetch || !window.FormData) { return; }
  var form = textarea.form;
  var url = grade.getAttribute("data-grade-url");
  var timer = null;
  var sent = null;

  function update() {
    var text = textarea.value;
    if (text === sent) { return; }
    sent = text;
    var body = new FormData();
    body.append("markdown", text);
    body.append("csrf_token", form.elements.csrf_token.value);
    fetch(url, { method: "POST", body: body, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        // The server renders the sentence (escaped by its template); a refusal or a limit leaves the last one.
        if (data && typeof data.html === "string" && textarea.value === text) { grade.innerHTML = data.html; }
      })
      .catch(function () { /* offline or signed out: the Preview button still works */ });
  }

  textarea.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(update, 700);
  });
})();
