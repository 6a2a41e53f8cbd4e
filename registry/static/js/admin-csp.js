/* Flask-Admin's templates carry a few inline event handlers (onclick="...") and "javascript:" links, which the
   Content-Security-Policy forbids (no 'unsafe-inline'). This script, loaded from our admin base template, turns
   each handler into an equivalent listener before anyone clicks, and keeps "javascript:" links from navigating. */
(function () {
  "use strict";

  function quoted(code, call) {
    var match = new RegExp(call + "\\(\\s*(?:this\\s*,\\s*)?'((?:[^'\\\\]|\\\\.)*)'\\s*\\)").exec(code);
    return match ? match[1].replace(/\\(.)/g, "$1") : null;
  }

  function rewire(element) {
    var code = element.getAttribute("onclick") || "";
    element.removeAttribute("onclick");
    var message = quoted(code, "faHelpers\\.safeConfirm");
    var action = quoted(code, "modelActions\\.execute");
    var inlineField = quoted(code, "faForm\\.addInlineField");
    element.addEventListener("click", function (event) {
      var result = true;
      if (message !== null) {
        result = window.faHelpers ? window.faHelpers.safeConfirm(message) : window.confirm(message);
      } else if (action !== null) {
        result = window.modelActions.execute(action);
      } else if (inlineField !== null) {
        window.faForm.addInlineField(element, inlineField);
        result = false;
      } else if (/^\s*return\s+false\s*;?\s*$/.test(code)) {
        result = false;
      }
      if (result === false) {
        event.preventDefault();
      }
    });
  }

  document.querySelectorAll("[onclick]").forEach(rewire);
  document.addEventListener(
    "click",
    function (event) {
      var link = event.target.closest && event.target.closest('a[href^="javascript:"]');
      if (link) {
        event.preventDefault();
      }
    },
    true
  );
})();
