// "Could this study fit me?" in the browser: the same rules as portal/trials/self_check.py (evaluate), with the
// sentences the server rendered into data attributes. Answers stay in this tab's sessionStorage until the tab is
// closed or "Delete my answers" is pressed; they reach the server only through the contact form's separate box.
// Text reaches the page through textContent only.
(function () {
  "use strict";

  var PREFIX = "trialPortal.selfCheck.";

  function storage() {
    try {
      window.sessionStorage.setItem("trialPortal.probe", "1");
      window.sessionStorage.removeItem("trialPortal.probe");
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  }
  var store = storage();

  function load(key) {
    if (!store || !window.JSON) { return {}; }
    try {
      var value = JSON.parse(store.getItem(key) || "{}");
      return value && typeof value === "object" && !Array.isArray(value) ? value : {};
    } catch (e) {
      return {};
    }
  }

  // On a trial page: the contact form sends the answers kept in this tab only when its own box is ticked;
  // otherwise its hidden field is emptied, whatever it held.
  var contactForm = document.querySelector(".contact-form");
  var attachData = contactForm && contactForm.querySelector(".js-self-check-attach-data");
  var attachBox = contactForm && contactForm.querySelector(".js-self-check-attach input[type=checkbox]");
  var trialId = attachData && attachData.getAttribute("data-nct-id");
  if (attachData && attachBox && trialId) {
    contactForm.addEventListener("submit", function () {
      var kept = load(PREFIX + trialId);
      if (Object.keys(kept).length) {
        attachData.value = attachBox.checked ? JSON.stringify(kept) : "";
      } else if (!attachBox.checked) {
        attachData.value = "";
      }
    });
  }

  var section = document.querySelector("[data-self-check]");
  if (!section || !window.JSON) { return; }
  var data = section.dataset;
  var form = section.querySelector(".js-self-check-form");
  var resultBox = section.querySelector(".js-self-check-result");
  var statusLine = section.querySelector(".js-self-check-status");
  var deleteButton = section.querySelector(".js-self-check-delete");
  var KEY = PREFIX + data.nctId;
  var YEAR = 60 * 24 * 365.25;
  var RULE_OUTS = { "age-under": true, "age-over": true, "sex-not-accepted": true };

  function number(text) { return text === "" || text === undefined ? null : parseInt(text, 10); }

  // The form's answers as a flat object of name to value, as the server reads them.
  function collect() {
    var answers = {};
    var age = form.elements.age.value.trim();
    if (age) { answers.age = age; }
    Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]:checked"), function (input) {
      answers[input.name] = input.value;
    });
    return answers;
  }

  function restore(answers) {
    Object.keys(answers).forEach(function (name) {
      if (name === "age") { form.elements.age.value = String(answers.age).slice(0, 3); return; }
      Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]"), function (input) {
        if (input.name === name && input.value === answers[name]) { input.checked = true; }
      });
    });
  }

  function save() {
    if (!store) { return; }
    var answers = collect();
    if (Object.keys(answers).length) { store.setItem(KEY, JSON.stringify(answers)); } else { store.removeItem(KEY); }
    deleteButton.hidden = !Object.keys(answers).length;
  }

  function ageFinding(age) {
    var min = number(data.minimumMinutes), max = number(data.maximumMinutes);
    if (data.given !== "true") { return ["notSure", "age-unknown"]; }
    var low = age * YEAR, high = (age + 1) * YEAR;
    if (min !== null && high <= min) { return ["doesNotFit", "age-under"]; }
    if (max !== null && low > max) { return ["doesNotFit", "age-over"]; }
    if (min !== null && low < min) { return ["notSure", "age-near"]; }
    return ["fits", "age-fits"];
  }

  function sexFinding(sex) {
    if (sex === "not-sure") { return ["notSure", "sex-ask"]; }
    if (data.given !== "true" || ["ALL", "FEMALE", "MALE"].indexOf(data.sex) < 0) { return ["notSure", "sex-unknown"]; }
    if (data.sex === "ALL" || data.sex === sex.toUpperCase()) { return ["fits", "sex-fits"]; }
    return ["doesNotFit", "sex-not-accepted"];
  }

  function conditionFinding(condition) {
    if (condition === "not-sure") { return ["notSure", "condition-ask"]; }
    if (condition === "condition") { return ["fits", "condition-fits"]; }
    if (data.given !== "true" || data.healthy === "") { return ["notSure", "healthy-unknown"]; }
    return data.healthy === "true" ? ["fits", "healthy-fits"] : ["doesNotFit", "healthy-not-accepted"];
  }

  function messageFor(code) {
    return section.getAttribute("data-msg-" + code) || "";
  }

  function evaluate(answers) {
    var result = { fits: [], doesNotFit: [], notSure: [], ruledOut: [] };
    var placed = [];
    if (answers.age !== undefined) { placed.push(ageFinding(parseInt(answers.age, 10))); }
    if (answers.sex) { placed.push(sexFinding(answers.sex)); }
    if (answers.condition) { placed.push(conditionFinding(answers.condition)); }
    placed.forEach(function (pair) {
      result[pair[0]].push({ text: messageFor(pair[1]) });
      if (RULE_OUTS[pair[1]]) { result.ruledOut.push(messageFor(pair[1])); }
    });
    Array.prototype.forEach.call(form.querySelectorAll("[data-item-id]"), function (fieldset) {
      var answer = answers[fieldset.getAttribute("data-item-id")];
      if (!answer) { return; }
      var where = answer === "not-sure" ? "notSure"
        : ((answer === "yes") === (fieldset.getAttribute("data-kind") === "inclusion") ? "fits" : "doesNotFit");
      result[where].push({ text: fieldset.querySelector("legend").textContent, answer: answer });
    });
    return result;
  }

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text) { node.textContent = text; }
    if (className) { node.className = className; }
    return node;
  }

  function answerLabel(answer) {
    return { yes: data.labelYes, no: data.labelNo, "not-sure": data.labelNotSureAnswer }[answer] || answer;
  }

  function show(result) {
    resultBox.textContent = "";
    var heading = element("h3", data.labelResult);
    heading.id = "self-check-result-heading";
    resultBox.appendChild(heading);
    if (result.ruledOut.length) {
      var box = element("div", "", "notice notice--warning self-check__ruled-out");
      box.appendChild(element("h4", data.labelRuledOut));
      var reasons = element("ul");
      result.ruledOut.forEach(function (text) { reasons.appendChild(element("li", text)); });
      box.appendChild(reasons);
      var link = element("a", data.labelOtherTrials);
      link.href = data.otherTrialsUrl;
      var para = element("p");
      para.appendChild(link);
      box.appendChild(para);
      resultBox.appendChild(box);
    }
    [["fits", data.labelFits, "fits"], ["doesNotFit", data.labelDoesNotFit, "does-not-fit"],
      ["notSure", data.labelNotSure, "not-sure"]].forEach(function (group) {
      var findings = result[group[0]];
      if (!findings.length) { return; }
      resultBox.appendChild(element("h4", group[1]));
      var list = element("ul", "", "self-check__list self-check__list--" + group[2]);
      findings.forEach(function (finding) {
        var item = element("li", finding.text);
        if (finding.answer) {
          item.appendChild(document.createTextNode(" "));
          item.appendChild(element("span", data.labelYourAnswer + " " + answerLabel(finding.answer), "self-check__answer"));
        }
        list.appendChild(item);
      });
      resultBox.appendChild(list);
    });
    if (!result.fits.length && !result.doesNotFit.length && !result.notSure.length) {
      resultBox.appendChild(element("p", data.labelNothing));
    }
    if (data.contactUrl) {
      var contact = element("p");
      var contactLink = element("a", data.labelContact);
      contactLink.href = data.contactUrl;
      contact.appendChild(contactLink);
      contact.appendChild(document.createTextNode(" " + data.labelContactHint));
      resultBox.appendChild(contact);
    }
    var closing = element("p", "", "self-check__closing");
    closing.appendChild(element("strong", data.labelClosing));
    resultBox.appendChild(closing);
    resultBox.hidden = false;
    resultBox.focus();
  }

  form.addEventListener("change", save);
  form.addEventListener("input", save);
  form.addEventListener("submit", function (event) {
    var age = form.elements.age.value.trim();
    if (age && !(/^[0-9]{1,3}$/.test(age) && parseInt(age, 10) <= 130)) {
      return; // the server says what is wrong, beside the field
    }
    event.preventDefault();
    save();
    show(evaluate(collect()));
  });
  deleteButton.addEventListener("click", function () {
    if (store) { store.removeItem(KEY); }
    form.reset();
    form.elements.age.value = "";
    Array.prototype.forEach.call(form.querySelectorAll("input[type=radio]"), function (input) { input.checked = false; });
    resultBox.hidden = true;
    resultBox.textContent = "";
    deleteButton.hidden = true;
    statusLine.textContent = data.labelDeleted;
  });

  var saved = load(KEY);
  restore(saved);
  deleteButton.hidden = !Object.keys(saved).length;
})();
