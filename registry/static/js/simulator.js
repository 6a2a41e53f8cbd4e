/* Loan simulator: the form works without JavaScript (GET, the server computes). With JavaScript the result
   is fetched and swapped in place from the same server page, so the figures and messages are identical. */
(function () {
  "use strict";
  if (!window.fetch || !window.DOMParser || !window.URLSearchParams) {
    return;
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-simulator]")) {
      return;
    }
    event.preventDefault();
    var url = form.getAttribute("action").split("#")[0] + "?" + new URLSearchParams(new FormData(form)).toString();
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    fetch(url, { headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("simulateur");
        var current = document.getElementById("simulateur");
        if (!fresh || !current) {
          window.location.assign(url + "#simulateur");
          return;
        }
        current.replaceWith(fresh);
        window.history.replaceState(null, "", url + "#simulateur");
        var errors = document.getElementById("simulateur-erreurs");
        if (errors) {
          errors.focus();
        }
      })
      .catch(function () {
        window.location.assign(url + "#simulateur");
      })
      .finally(function () {
        button.disabled = false;
      });
  });
})();
