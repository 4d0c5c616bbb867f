// The "Print" button of the access-code sheet (a static file: CSP-safe).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-wp-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
