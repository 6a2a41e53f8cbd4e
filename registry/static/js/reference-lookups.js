/* « Compléter depuis le répertoire Sirene » and « Géolocaliser l'adresse » in the back-office actor form and the
   partner's profile. Each click asks the server (POST with the form's CSRF token), which asks the public service;
   the answer is shown beside what the form holds, and nothing is filled until the person clicks « Appliquer »
   (field by field) or « Utiliser cette position ». Without JavaScript the buttons stay hidden and the form works
   alone; when a service is unreachable its French message is shown and manual entry goes on. */
(function () {
  "use strict";
  var COMPARED = ["name", "address", "postcode", "commune", "ape_code", "legal_form", "founding_year", "rna",
                  "siae_type"];

  function byId(id) { return document.getElementById(id); }

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function csrfToken() {
    var input = document.querySelector("input[name=csrf_token]");
    return input ? input.value : "";
  }

  function setField(input, value) {
    input.value = value;
    input.dispatchEvent(new Event("input", { bubbles: true }));
    input.dispatchEvent(new Event("change", { bubbles: true }));
    if (window.jQuery && input.tagName === "SELECT") { window.jQuery(input).trigger("change"); }  // select2
  }

  function post(url, data) {
    var body = new FormData();
    Object.keys(data).forEach(function (key) { body.append(key, data[key]); });
    body.append("csrf_token", csrfToken());
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrfToken() }
    }).then(function (response) {
      if (response.status === 429) {
        return { ok: false, message: "Trop de demandes en peu de temps : patientez une minute avant de réessayer." };
      }
      return response.json().catch(function () {
        return { ok: false, message: "Réponse inattendue du serveur : réessayez, ou saisissez à la main." };
      });
    }).catch(function () {
      return { ok: false, message: "Le serveur du registre n'a pas répondu : réessayez, ou saisissez à la main." };
    });
  }

  function message(box, text, kind) {
    box.textContent = "";
    box.appendChild(el("div", { "class": "alert alert-" + kind + " small mt-2 mb-0", role: "status" }, text));
  }

  function busy(button, on) {
    button.disabled = on;
    button.setAttribute("aria-busy", on ? "true" : "false");
  }

  /* -- the register ------------------------------------------------------------------------------------------- */
  function comparisonTable(comparison, box) {
    box.textContent = "";
    var closed = comparison.state === "closed";
    box.appendChild(el("div", { "class": "alert small mt-2 mb-2 alert-" + (closed ? "danger" : "success"),
                                role: "status" }, comparison.state_text));
    var wrap = el("div", { "class": "table-responsive" });
    var table = el("table", { "class": "table table-sm table-bordered sirene-comparison" });
    table.appendChild(el("caption", { "class": "caption-top" },
      "Ce que la fiche contient, à côté de ce que dit le répertoire (SIRET " + comparison.siret + "). " +
      "Rien n'est repris sans votre clic ; enregistrez ensuite la fiche."));
    var head = el("tr");
    ["Champ", "Sur la fiche", "Répertoire Sirene", ""].forEach(function (title) {
      head.appendChild(el("th", { scope: "col" }, title));
    });
    table.appendChild(el("thead", { "class": "thead-light" })).appendChild(head);
    var tbody = table.appendChild(el("tbody"));
    comparison.rows.forEach(function (row) {
      var tr = el("tr", { "data-field": row.field, "class": row.same ? "" : "table-warning" });
      tr.appendChild(el("th", { scope: "row" }, row.label));
      var recorded = tr.appendChild(el("td", {}, row.recorded));
      tr.appendChild(el("td", {}, row.register));
      var cell = tr.appendChild(el("td"));
      var input = byId(row.field);
      if (row.same) {
        cell.appendChild(el("span", { "class": "text-success" }, "Identique"));
      } else if (row.applicable && input) {
        var apply = el("button", { type: "button", "class": "btn btn-sm btn-outline-primary" }, "Appliquer");
        apply.setAttribute("aria-label", "Appliquer la valeur du répertoire : " + row.label);
        apply.addEventListener("click", function () {
          setField(input, row.value);
          recorded.textContent = row.register;
          tr.className = "table-success";
          apply.replaceWith(el("span", { "class": "text-success" }, "Appliqué ✓"));
        });
        cell.appendChild(apply);
      } else if (row.register !== "—" && row.field !== "ess") {
        cell.appendChild(el("span", { "class": "small text-muted" },
          input ? "" : "Tenu par la Ville : écrivez-lui pour le corriger."));
      }
      tbody.appendChild(tr);
    });
    wrap.appendChild(table);
    box.appendChild(wrap);
  }

  function setUpRegister(button, box, url, recordId) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var data = {};
      COMPARED.concat(["siret"]).forEach(function (name) {
        var input = byId(name);
        if (input) { data[name] = input.value; }
      });
      if (recordId) { data.id = recordId; }
      busy(button, true);
      message(box, "Interrogation du répertoire Sirene…", "light");
      post(url, data).then(function (answer) {
        busy(button, false);
        if (answer.ok) { comparisonTable(answer.comparison, box); } else { message(box, answer.message, "warning"); }
      });
    });
  }

  /* -- the geocoder ------------------------------------------------------------------------------------------- */
  function decimal(value) { return value.toFixed(6).replace(".", ","); }

  function showPosition(position, box) {
    box.textContent = "";
    var score = position.score.toFixed(2).replace(".", ",");
    var panel = el("div", { "class": "alert small mt-2 mb-0 geocode-result alert-" + (position.low ? "warning" : "info"),
                            role: "status" });
    panel.appendChild(el("p", { "class": "mb-1" }, "Position proposée pour « " + position.label + " » : " +
      decimal(position.latitude) + ", " + decimal(position.longitude) + " (score " + score + " sur 1)."));
    if (position.low) {
      panel.appendChild(el("p", { "class": "mb-1 font-weight-bold" },
        "Score faible : l'adresse comprise n'est peut-être pas la bonne. Vérifiez-la avant de l'utiliser, " +
        "puis ajustez la position sur la carte si besoin."));
    }
    var use = el("button", { type: "button", "class": "btn btn-sm btn-primary mr-2" }, "Utiliser cette position");
    use.addEventListener("click", function () {
      var lat = byId("latitude");
      var lng = byId("longitude");
      if (lat && lng) {
        setField(lat, decimal(position.latitude));
        setField(lng, decimal(position.longitude));
      }
      use.replaceWith(el("span", { "class": "mr-2" }, "Position reprise ✓ (ajustable sur la carte ou dans les champs)."));
    });
    panel.appendChild(use);
    var quartier = byId("quartier");
    if (position.quartier && quartier) {
      var pick = el("button", { type: "button", "class": "btn btn-sm btn-outline-primary" },
                    "Choisir le quartier « " + position.quartier.name + " »");
      pick.addEventListener("click", function () {
        setField(quartier, String(position.quartier.id));
        pick.replaceWith(el("span", {}, "Quartier « " + position.quartier.name + " » choisi ✓"));
      });
      panel.appendChild(pick);
    }
    box.appendChild(panel);
  }

  function setUpGeocoder(button, box, url) {
    button.hidden = false;
    button.addEventListener("click", function () {
      var data = {};
      ["address", "postcode", "commune"].forEach(function (name) {
        var input = byId(name);
        data[name] = input ? input.value : "";
      });
      busy(button, true);
      message(box, "Interrogation du géocodeur de la Base Adresse Nationale…", "light");
      post(url, data).then(function (answer) {
        busy(button, false);
        if (answer.ok) { showPosition(answer.position, box); } else { message(box, answer.message, "warning"); }
      });
    });
  }

  /* -- where the buttons go ----------------------------------------------------------------------------------- */
  function afterGroupOf(input, node) {
    var group = input.closest(".form-group") || input.parentNode;
    group.parentNode.insertBefore(node, group.nextSibling);
  }

  function backOffice() {
    var form = document.querySelector("form.admin-form");
    var siret = byId("siret");
    if (!form || !siret) { return; }
    var base = window.location.pathname.replace(/(edit|new)\/?$/, "");
    var recordId = new URLSearchParams(window.location.search).get("id") || "";
    var sireneTool = el("div", { "class": "service-lookup mb-3" });
    var sireneButton = sireneTool.appendChild(el("button", { type: "button", "class": "btn btn-sm btn-outline-primary" },
                                                 "Compléter depuis le répertoire Sirene"));
    var sireneBox = sireneTool.appendChild(el("div", { "aria-live": "polite" }));
    afterGroupOf(siret, sireneTool);
    setUpRegister(sireneButton, sireneBox, base + "repertoire-sirene/", recordId);
    var longitude = byId("longitude");
    if (longitude) {
      var geoTool = el("div", { "class": "service-lookup mb-3" });
      var geoButton = geoTool.appendChild(el("button", { type: "button", "class": "btn btn-sm btn-outline-primary" },
                                             "Géolocaliser l'adresse"));
      var geoBox = geoTool.appendChild(el("div", { "aria-live": "polite" }));
      afterGroupOf(longitude, geoTool);
      setUpGeocoder(geoButton, geoBox, base + "geolocaliser/");
    }
  }

  function partnerSpace() {
    document.querySelectorAll("[data-sirene-url]").forEach(function (tool) {
      setUpRegister(tool.querySelector("[data-sirene-button]"), tool.querySelector("[data-sirene-result]"),
                    tool.getAttribute("data-sirene-url"), "");
    });
    document.querySelectorAll("[data-geocode-url]").forEach(function (tool) {
      setUpGeocoder(tool.querySelector("[data-geocode-button]"), tool.querySelector("[data-geocode-result]"),
                    tool.getAttribute("data-geocode-url"));
    });
  }

  backOffice();
  partnerSpace();
}());
