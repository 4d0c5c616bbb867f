// The "Print" buttons of the access-code sheet and of the results screen
// (a static file: CSP-safe).
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("[data-wp-print]")) {
    button.addEventListener("click", () => window.print());
  }
});
