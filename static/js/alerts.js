// Alerts sign-up: suggest condition names we know while the reader types. The form works without this file.
(function () {
  "use strict";

  var finder = document.querySelector(".js-condition-finder");
  var textarea = document.getElementById("conditions");
  if (!finder || !textarea || !window.fetch) { return; }
  var input = finder.querySelector("input");
  var list = document.getElementById("condition-options");
  var add = finder.querySelector(".js-add-condition");
  var source = finder.getAttribute("data-source");
  var timer = null;
  finder.hidden = false;

  function fill(names) {
    while (list.firstChild) { list.removeChild(list.firstChild); }
    names.forEach(function (name) {
      var option = document.createElement("option");
      option.value = name;
      list.appendChild(option);
    });
  }

  input.addEventListener("input", function () {
    window.clearTimeout(timer);
    var typed = input.value.trim();
    if (typed.length < 2) { fill([]); return; }
    timer = window.setTimeout(function () {
      fetch(source + "?q=" + encodeURIComponent(typed), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : { conditions: [] }; })
        .then(function (data) { fill(data.conditions || []); })
        .catch(function () { fill([]); });
    }, 200);
  });

  function addCondition() {
    var name = input.value.trim();
    if (!name) { return; }
    var lines = textarea.value.split("\n").map(function (line) { return line.trim(); }).filter(Boolean);
    var known = lines.some(function (line) { return line.toLowerCase() === name.toLowerCase(); });
    if (!known) { lines.push(name); }
    textarea.value = lines.join("\n");
    input.value = "";
    fill([]);
    input.focus();
  }

  add.addEventListener("click", addCondition);
  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter") { event.preventDefault(); addCondition(); }
  });
})();
