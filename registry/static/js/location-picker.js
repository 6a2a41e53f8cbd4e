/* Position picker of the partner's profile form: a Leaflet map under the Latitude / Longitude fields.
   Clicking the map or dragging the marker fills the fields; typing in them moves the marker. Without
   JavaScript (or Leaflet) the map stays hidden and the two fields work alone. */
(function () {
  "use strict";
  var el = document.getElementById("position-carte");
  var lat = document.getElementById("latitude");
  var lng = document.getElementById("longitude");
  var clear = document.getElementById("position-effacer");
  if (!el || !lat || !lng || !window.L) {
    return;
  }
  var LILLE = [50.6292, 3.0573];
  var marker = null;

  function read(input) {
    var text = (input.value || "").trim().replace(/\s/g, "").replace(",", ".");
    if (text === "" || !/^-?\d+(\.\d+)?$/.test(text)) {
      return null;
    }
    return parseFloat(text);
  }

  function format(value) {
    return value.toFixed(6).replace(".", ",");
  }

  el.hidden = false;
  clear.hidden = false;
  var map = L.map(el, { scrollWheelZoom: false });
  L.tileLayer(el.getAttribute("data-tiles"), {
    maxZoom: 19,
    attribution: el.getAttribute("data-attribution")
  }).addTo(map);

  function place(latlng, fill) {
    if (!marker) {
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: "Position de la structure" }).addTo(map);
      marker.on("dragend", function () { place(marker.getLatLng(), true); });
    } else {
      marker.setLatLng(latlng);
    }
    if (fill) {
      lat.value = format(latlng.lat);
      lng.value = format(latlng.lng);
    }
  }

  function fromFields() {
    var a = read(lat);
    var b = read(lng);
    if (a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
      place(L.latLng(a, b), false);
      return true;
    }
    return false;
  }

  if (fromFields()) {
    map.setView(marker.getLatLng(), 16);
  } else {
    map.setView(LILLE, 13);
  }
  map.on("click", function (event) { place(event.latlng, true); });
  lat.addEventListener("change", fromFields);
  lng.addEventListener("change", fromFields);
  clear.addEventListener("click", function () {
    lat.value = "";
    lng.value = "";
    if (marker) {
      map.removeLayer(marker);
      marker = null;
    }
  });
}());
