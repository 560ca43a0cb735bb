// Moved out of the page: the Content-Security-Policy runs no inline script.
// « Autour de moi »: the browser's position replaces the place, then the search runs.
// Delegated, because htmx replaces the form (and its button) after each search.
// After an htmx search the summary above the results holds the errors: the ones printed
// next to the fields by the previous full page are stale.
document.body.addEventListener("htmx:afterSwap", function (event) {
  if (event.detail.target.id !== "stock-results") return;
  document.querySelectorAll("#stock-search .errorlist").forEach(function (list) { list.remove(); });
  document.querySelectorAll("#stock-search [aria-invalid]").forEach(function (field) {
    field.removeAttribute("aria-invalid");
    field.removeAttribute("aria-describedby");
  });
});
if ("geolocation" in navigator) {
  document.documentElement.classList.add("can-locate");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("#locate-me");
    if (!button) return;
    var form = document.getElementById("stock-search");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      form.elements.lat.value = position.coords.latitude.toFixed(5);
      form.elements.lng.value = position.coords.longitude.toFixed(5);
      form.elements.place.value = "";
      button.disabled = false;
      form.requestSubmit();
    }, function () {
      button.disabled = false;
      form.elements.place.focus();
    }, {timeout: 10000, maximumAge: 600000});
  });
}
