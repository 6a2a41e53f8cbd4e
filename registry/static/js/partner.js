/* Partner space: forms marked data-confirm ask before they are sent (removing a contact); a form's error
   summary takes the focus, so that it is read first. */
(function () {
  "use strict";
  var summary = document.getElementById("erreurs");
  if (summary) {
    summary.focus();
  }
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) {
        event.preventDefault();
      }
    });
  });
}());
