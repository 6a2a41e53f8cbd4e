// Progress feedback for long workbook operations: upload percentage, then an indeterminate bar while the
// server works. Without JavaScript the forms and links work as they are.
(function () {
  "use strict";

  function show(id, text) {
    var box = document.getElementById(id);
    if (!box) { return null; }
    box.hidden = false;
    if (text) { box.querySelector(".progress-text").textContent = text; }
    return box;
  }

  var upload = document.getElementById("import-form");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var box = show(upload.dataset.progress, "Envoi du fichier…");
      var bar = box.querySelector("progress");
      upload.querySelector("button[type=submit]").disabled = true;
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { bar.value = Math.round(100 * e.loaded / e.total); }
      });
      xhr.upload.addEventListener("load", function () {
        bar.removeAttribute("value");
        box.querySelector(".progress-text").textContent = "Analyse du classeur… (quelques secondes pour un gros fichier)";
      });
      xhr.addEventListener("load", function () {
        if (xhr.status < 400 && xhr.responseURL) {
          window.location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        box.querySelector(".progress-text").textContent = "L'envoi a échoué : vérifiez la connexion et réessayez.";
        upload.querySelector("button[type=submit]").disabled = false;
      });
      xhr.send(new FormData(upload));
    });
  }

  document.querySelectorAll("form[data-progress]:not(#import-form)").forEach(function (form) {
    form.addEventListener("submit", function () {
      show(form.dataset.progress);
      form.querySelector("button[type=submit]").disabled = true;
    });
  });
  // A download link: the file is fetched here, so the page knows when it has arrived (a plain link gives no
  // sign, and the bar would spin for ever); then it is handed to the browser as a download.
  function fileName(response) {
    var match = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(response.headers.get("Content-Disposition") || "");
    return match ? decodeURIComponent(match[1]) : "export.xlsx";
  }
  document.querySelectorAll("a[data-progress]").forEach(function (link) {
    link.addEventListener("click", function (event) {
      if (!window.fetch || !window.URL || !URL.createObjectURL) { show(link.dataset.progress); return; }
      event.preventDefault();
      var box = show(link.dataset.progress, "Préparation du fichier…");
      var text = box.querySelector(".progress-text");
      var bar = box.querySelector("progress");
      bar.hidden = false;
      fetch(link.href, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.blob().then(function (blob) {
          var url = URL.createObjectURL(blob);
          var save = document.createElement("a");
          save.href = url;
          save.download = fileName(response);
          document.body.appendChild(save);
          save.click();
          save.remove();
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          bar.hidden = true;
          text.textContent = "Fichier prêt : « " + save.download + " » est enregistré dans vos téléchargements.";
        });
      }).catch(function () {
        bar.hidden = true;
        text.textContent = "L'export n'a pas abouti : réessayez, ou prévenez l'administrateur du registre.";
      });
    });
  });
})();
