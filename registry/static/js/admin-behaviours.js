/* The back office's behaviours, attached as listeners: the Content-Security-Policy forbids inline event handlers
   and "javascript:" links, so our overrides of Flask-Admin's templates carry data attributes instead.
   - data-confirm="question": on a button or link, a click asks first; on a form, submitting asks first;
   - data-model-action="name": runs Flask-Admin's bulk action (its own selection check and confirmation);
   - data-inline-add="field-id": adds a row to an inline list (contacts in the actor form);
   - a link to "#" (filter choices, inline remove links) never navigates.
   One delegated listener serves rows that Flask-Admin adds to the page later. Widgets built by vendored scripts
   (select2 writes its own <a href="javascript:void(0)">) get "#" instead as soon as they are inserted. */
(function () {
  "use strict";

  function defuse(node) {
    if (node.nodeType !== 1) {
      return;
    }
    var links = node.matches('a[href^="javascript:"]') ? [node] : [];
    links.concat(Array.prototype.slice.call(node.querySelectorAll('a[href^="javascript:"]'))).forEach(function (a) {
      a.setAttribute("href", "#");
    });
  }

  new MutationObserver(function (mutations) {
    mutations.forEach(function (mutation) {
      mutation.addedNodes.forEach(defuse);
    });
  }).observe(document.documentElement, { childList: true, subtree: true });
  defuse(document.documentElement);

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target : event.target.parentElement;
    if (!target || !target.closest) {
      return;
    }
    var asking = target.closest("button[data-confirm], a[data-confirm], input[data-confirm]");
    if (asking && !window.confirm(asking.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return;
    }
    var action = target.closest("[data-model-action]");
    if (action) {
      event.preventDefault();
      window.modelActions.execute(action.getAttribute("data-model-action"));
      return;
    }
    var adding = target.closest("[data-inline-add]");
    if (adding) {
      event.preventDefault();
      window.faForm.addInlineField(adding, adding.getAttribute("data-inline-add"));
      return;
    }
    if (target.closest('a[href="#"]')) {
      event.preventDefault();
    }
  });

  /* On a phone, list rows become cards (admin.css): each cell shows its column's header, copied here. */
  function labelCells(table) {
    if (!table.tHead || !table.tHead.rows.length || !table.tBodies.length) {
      return;
    }
    var headers = Array.prototype.map.call(table.tHead.rows[0].cells, function (th) {
      return th.textContent.replace(/\s+/g, " ").trim();
    });
    Array.prototype.forEach.call(table.tBodies[0].rows, function (row) {  // the list's own rows, not nested tables
      Array.prototype.forEach.call(row.cells, function (cell, index) {
        if (headers[index]) {
          cell.setAttribute("data-label", headers[index]);
        }
      });
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.model-list"), labelCells);

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.hasAttribute && form.hasAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
