/*
 * Survey logic in the browser: shows a question only when its conditions are
 * met and a follow-up text box only after the options it belongs to.
 *
 * An enhancement only: the server decides what was shown from the answers
 * (a hidden question is neither required nor stored) and, without this
 * script, shows every question of the page. No inline code: the conditions
 * come from data-wp-show-if / data-wp-follow-up attributes (JSON).
 */
(function () {
  "use strict";

  function chosen(form, name) {
    var values = [];
    var inputs = form.querySelectorAll("[name]");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.name !== name || input.disabled) continue;
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) values.push(input.value);
      } else if (input.tagName === "SELECT") {
        for (var j = 0; j < input.options.length; j++) {
          var option = input.options[j];
          if (option.selected && option.value !== "") values.push(option.value);
        }
      } else if (input.value.trim() !== "") {
        values.push(input.value);
      }
    }
    return values;
  }

  function ruleMet(form, rule) {
    if (Object.prototype.hasOwnProperty.call(rule, "fixed")) return rule.fixed;
    var values = [];
    rule.names.forEach(function (name) {
      values = values.concat(chosen(form, name));
    });
    if (rule.op === "answered") return values.length > 0;
    var hit = values.some(function (value) {
      return rule.values.indexOf(value) !== -1;
    });
    return rule.op === "in" ? hit : !hit;
  }

  function parse(element, attribute) {
    try {
      return JSON.parse(element.getAttribute(attribute));
    } catch (error) {
      return null;
    }
  }

  function setShown(element, shown) {
    element.hidden = !shown;
    var inputs = element.querySelectorAll("input, select, textarea");
    for (var i = 0; i < inputs.length; i++) inputs[i].disabled = !shown;
  }

  function update(form) {
    // In page order, so a question hidden by an earlier one counts as unanswered.
    var items = form.querySelectorAll("[data-wp-show-if], [data-wp-follow-up]");
    for (var i = 0; i < items.length; i++) {
      var item = items[i];
      if (item.hasAttribute("data-wp-show-if")) {
        var condition = parse(item, "data-wp-show-if");
        if (!condition) continue;
        var results = condition.rules.map(function (rule) {
          return ruleMet(form, rule);
        });
        var shown =
          condition.match === "any"
            ? results.indexOf(true) !== -1
            : results.indexOf(false) === -1;
        setShown(item, shown);
      } else {
        var trigger = parse(item, "data-wp-follow-up");
        if (!trigger) continue;
        setShown(item, ruleMet(form, { names: trigger.names, op: "in", values: trigger.values }));
      }
    }
  }

  function init() {
    var forms = document.querySelectorAll("form.wp-survey");
    for (var i = 0; i < forms.length; i++) {
      (function (form) {
        form.addEventListener("change", function () {
          update(form);
        });
        update(form);
      })(forms[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
