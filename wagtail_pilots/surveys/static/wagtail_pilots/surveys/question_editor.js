// The survey question editor: each question shows only the fields that apply
// to its type, and the unit checkboxes can be searched. Progressive
// enhancement: without this script every field is shown. Questions added
// later with "Add question" (Wagtail's InlinePanel) are handled too.
(function () {
  "use strict";

  // The fields that depend on the type, and the types they apply to.
  const CHOICE_TYPES = ["dropdown", "radio", "checkboxes", "multiselect"];
  const APPLIES = {
    scale: ["scale", "matrix"],
    rows: ["matrix"],
    row_units: ["matrix"],
    choices: ["group", ...CHOICE_TYPES],
    default_value: [
      "singleline", "multiline", "email", "number", "url", "checkbox",
      "date", "datetime", "hidden", ...CHOICE_TYPES,
    ],
  };

  // What to hide for a field: its panel wrapper (label included) when that
  // holds this field alone, else the field's own wrapper.
  function wrapperOf(input) {
    const field = input.closest("[data-field-wrapper]");
    const panel = field && field.parentElement;
    if (
      panel &&
      panel.classList.contains("w-panel__wrapper") &&
      panel.querySelectorAll("[data-field-wrapper]").length === 1
    ) {
      return panel;
    }
    return field;
  }

  function showFieldsFor(select) {
    const prefix = select.name.slice(0, -"field_type".length);
    const type = select.value;
    const form = select.form || document;
    for (const [name, types] of Object.entries(APPLIES)) {
      const input = form.querySelector(`[name="${prefix}${name}"]`);
      const wrapper = input && wrapperOf(input);
      if (wrapper) {
        // No type chosen yet: show everything.
        wrapper.hidden = Boolean(type) && !types.includes(type);
      }
    }
  }

  function setUpFilter(box) {
    if (box.dataset.wpReady) return;
    box.dataset.wpReady = "1";
    const search = box.querySelector("[data-wp-filter]");
    const count = box.querySelector("[data-wp-count]");
    const none = box.querySelector("[data-wp-filter-none]");
    const items = Array.from(box.querySelectorAll("input[type=checkbox]")).map(
      (input) => ({ input, item: input.closest("label")?.parentElement || input }),
    );
    function refresh() {
      const query = search.value.trim().toLowerCase();
      let shown = 0;
      for (const { item } of items) {
        const match = !query || item.textContent.toLowerCase().includes(query);
        item.toggleAttribute("data-wp-filter-hidden", !match);
        if (match) shown += 1;
      }
      none.hidden = shown > 0;
      const chosen = items.filter(({ input }) => input.checked).length;
      const template = count.dataset.wpCountTemplate || "__chosen__ / __total__";
      count.textContent = template
        .replace("__chosen__", String(chosen))
        .replace("__total__", String(items.length));
    }
    box.querySelector("[data-wp-filter-bar]").hidden = false;
    search.addEventListener("input", refresh);
    // Enter in the search field must not submit the page form.
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    box.addEventListener("change", refresh);
    refresh();
  }

  function setUp(root) {
    for (const select of root.querySelectorAll("select[data-wp-question-type]")) {
      if (!select.name.includes("__prefix__")) showFieldsFor(select);
    }
    for (const box of root.querySelectorAll("[data-wp-filterable]")) {
      const input = box.querySelector("input[type=checkbox]");
      if (!input || !input.name.includes("__prefix__")) setUpFilter(box);
    }
  }

  document.addEventListener("change", (event) => {
    const target = event.target;
    if (target instanceof HTMLSelectElement && target.matches("[data-wp-question-type]")) {
      showFieldsFor(target);
    }
  });

  function start() {
    setUp(document);
    // Questions added by the InlinePanel arrive as new DOM nodes.
    new MutationObserver((mutations) => {
      for (const mutation of mutations) {
        for (const node of mutation.addedNodes) {
          if (node instanceof Element) setUp(node);
        }
      }
    }).observe(document.body, { childList: true, subtree: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
