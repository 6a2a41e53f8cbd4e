/* The main navigation on a phone: a disclosure button (« Menu ») shows and hides the entries. Without JavaScript
   the button stays hidden and every entry is shown, wrapped on several lines. */
(function () {
  "use strict";
  var button = document.querySelector(".site-nav .nav-toggle");
  var menu = document.getElementById("menu-principal");
  if (!button || !menu) {
    return;
  }
  document.documentElement.classList.add("js-nav");
  button.hidden = false;
  button.addEventListener("click", function () {
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    menu.classList.toggle("open", open);
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && button.getAttribute("aria-expanded") === "true") {
      button.setAttribute("aria-expanded", "false");
      menu.classList.remove("open");
      button.focus();
    }
  });
})();
