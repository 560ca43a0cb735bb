// Moved out of the page: the Content-Security-Policy runs no inline script.
// « Autour de moi »: the browser's position replaces the place typed, then the stock search runs.
if ("geolocation" in navigator) {
  document.documentElement.classList.add("can-locate");
  document.getElementById("locate-me").addEventListener("click", function (event) {
    var button = event.currentTarget, form = document.getElementById("near-me-search");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(5);
      form.elements.lng.value = position.coords.longitude.toFixed(5);
      form.elements.lat.disabled = form.elements.lng.disabled = false;
      form.elements.place.value = "";
      form.submit();
    }, function () {
      button.disabled = false;
      form.elements.place.focus();
    }, {timeout: 10000, maximumAge: 600000});
  });
}
