// Moved out of the page: the Content-Security-Policy runs no inline script.
// « Autour de moi »: the browser's position replaces the place typed; a place typed wins over
// a position kept from the previous search.
(function () {
  var form = document.getElementById("dealer-search");
  function usePosition(lat, lng) {
    form.elements.lat.value = lat;
    form.elements.lng.value = lng;
    form.elements.lat.disabled = form.elements.lng.disabled = lat === "";
  }
  form.addEventListener("submit", function () {
    if (form.elements.place.value.trim()) usePosition("", "");
  });
  if (!("geolocation" in navigator)) return;
  document.documentElement.classList.add("can-locate");
  document.getElementById("locate-me").addEventListener("click", function (event) {
    var button = event.currentTarget;
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      usePosition(position.coords.latitude.toFixed(5), position.coords.longitude.toFixed(5));
      form.elements.place.value = "";
      form.submit();
    }, function () {
      button.disabled = false;
      form.elements.place.focus();
    }, {timeout: 10000, maximumAge: 600000});
  });
})();
