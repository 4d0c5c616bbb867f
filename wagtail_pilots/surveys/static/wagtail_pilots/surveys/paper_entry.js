// Paper entry: the cursor starts in the first field, so a clerk can type at once.
document.addEventListener("DOMContentLoaded", function () {
  var target =
    document.querySelector(".wp-paper [aria-invalid=true]") ||
    document.querySelector(".wp-paper input:not([type=hidden])");
  if (target) {
    target.focus();
  }
});
