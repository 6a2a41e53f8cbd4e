/* Filter forms (GET): leave empty fields out of the address, so shared links stay short and readable.
   Without JavaScript the form submits every field and the server ignores the empty ones. */
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.filters")) {
      return;
    }
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.name && field.value === "" && !field.disabled) {
        field.disabled = true;
        window.setTimeout(function () { field.disabled = false; }, 0);
      }
    });
  });
})();
