/* Map of actors (/carte/): Leaflet, OpenStreetMap tiles, data from /api/v1/actors.geojson.
   Without tiles (no network) the markers still show on a blank background and the page says so; without
   JavaScript the list under the map gives the same information. Each marker is a button reached with Tab,
   named after its actor, opened with Enter (focus goes into its popup and comes back when it closes).
   On a phone the filter form folds away so that the map comes first. */
(function () {
  "use strict";
  var fold = document.getElementById("filtres-carte");
  if (fold && window.matchMedia) {
    var wide = window.matchMedia("(min-width: " + fold.getAttribute("data-fold-below") + "px)");
    fold.open = wide.matches;
    var follow = function (event) { fold.open = event.matches; };
    if (wide.addEventListener) { wide.addEventListener("change", follow); }
  }
  var el = document.getElementById("carte");
  var status = document.getElementById("carte-etat");
  if (!el || !window.L) {
    return;
  }
  var LILLE = [50.6292, 3.0573];
  var fallbackShown = false;
  var tileLoaded = false;
  var tileErrors = 0;

  function say(text, link) {
    status.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = "#liste";
      a.textContent = link;
      status.appendChild(document.createTextNode(" "));
      status.appendChild(a);
    }
  }

  function showFallback() {
    if (fallbackShown || tileLoaded) {
      return;
    }
    fallbackShown = true;
    status.classList.add("map-fallback-note");
    say("Le fond de carte n'a pas pu être chargé (pas de connexion au serveur de cartes).", "Consulter la liste des acteurs.");
  }

  el.textContent = "";
  // A person who asked for less motion gets no fading popups and no animated zoom.
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  var map = L.map(el, {
    preferCanvas: true,
    scrollWheelZoom: false,
    fadeAnimation: !still,
    zoomAnimation: !still,
    markerZoomAnimation: !still
  }).setView(LILLE, 13);
  var tiles = L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19,
    attribution: el.getAttribute("data-attribution")
  });
  tiles.on("tileload", function () { tileLoaded = true; });
  tiles.on("tileerror", function () {
    tileErrors += 1;
    if (tileErrors >= 3) { showFallback(); }
  });
  tiles.addTo(map);
  window.setTimeout(showFallback, 8000);

  function popup(properties) {
    var box = document.createElement("div");
    var title = document.createElement("a");
    title.href = properties.url;
    title.textContent = properties.name;
    box.appendChild(title);
    var details = [properties.legal_form, properties.address, [properties.postcode, properties.commune].join(" ").trim()];
    if (properties.quartier) {
      details.push(properties.quartier.name);
    }
    details.forEach(function (text) {
      if (text) {
        box.appendChild(document.createElement("br"));
        box.appendChild(document.createTextNode(text));
      }
    });
    return box;
  }

  fetch(el.getAttribute("data-geojson"), { headers: { Accept: "application/geo+json" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.json();
    })
    .then(function (data) {
      var layer = L.geoJSON(data, {
        pointToLayer: function (feature, latlng) {
          var name = document.createElement("span");
          name.className = "sr-only";
          name.textContent = feature.properties.name;
          return L.marker(latlng, {
            keyboard: true,
            title: feature.properties.name,
            icon: L.divIcon({ className: "map-marker", html: name, iconSize: [18, 18], popupAnchor: [0, -6] })
          });
        },
        onEachFeature: function (feature, marker) {
          marker.bindPopup(popup(feature.properties));
          marker.on("popupopen", function (event) {
            var link = event.popup.getElement().querySelector(".leaflet-popup-content a");
            if (link) { link.focus({ preventScroll: true }); }
          });
          marker.on("popupclose", function () {
            var icon = marker.getElement();
            if (icon && document.activeElement === document.body) { icon.focus({ preventScroll: true }); }
          });
        }
      }).addTo(map);
      el.setAttribute("data-markers", String(data.features.length));
      if (data.features.length) {
        map.fitBounds(layer.getBounds(), { maxZoom: 16, padding: [24, 24] });
      }
      if (!fallbackShown) {
        var shown = data.numberReturned;
        var total = data.numberMatched;
        var text = shown === total
          ? shown + (shown > 1 ? " acteurs localisés sur la carte." : " acteur localisé sur la carte.")
          : shown + " acteurs affichés sur " + total + " : précisez les filtres pour voir les autres.";
        say(text);
      }
    })
    .catch(function () {
      say("Les acteurs n'ont pas pu être placés sur la carte.", "Consulter la liste des acteurs.");
    });
})();
