/* Print: the printed page says where it comes from and when it was printed. The server writes the address and
   the day the page was served; just before printing they are brought up to date (the page may have been open
   for days, or the simulator may have changed the address in place). */
(function () {
  "use strict";
  function stamp() {
    var address = document.querySelector("[data-print-address]");
    var when = document.querySelector("[data-print-date]");
    if (address) {
      address.textContent = window.location.href.split("#")[0];
    }
    if (when) {
      var now = new Date();
      var day = ("0" + now.getDate()).slice(-2);
      var month = ("0" + (now.getMonth() + 1)).slice(-2);
      when.textContent = day + "/" + month + "/" + now.getFullYear();
      when.setAttribute("datetime", now.getFullYear() + "-" + month + "-" + day);
    }
  }
  window.addEventListener("beforeprint", stamp);
  if (window.matchMedia) {
    var query = window.matchMedia("print");
    if (query.addEventListener) {
      query.addEventListener("change", function (event) { if (event.matches) { stamp(); } });
    }
  }
})();
