// Searches near a place (stock, dealer locator): suggestions while typing, « Autour de moi ».
// A static file, so that the pages need no inline script (Content-Security-Policy).
(function () {
  "use strict";

  function searchForm(element) {
    return element.closest("form[data-place-search]");
  }

  function submit(form) {
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function usePosition(form, lat, lng) {
    form.elements.lat.value = lat;
    form.elements.lng.value = lng;
    form.elements.lat.disabled = form.elements.lng.disabled = lat === "";
  }

  function clearSuggestions(form) {
    var box = form.querySelector(".place-suggestions");
    if (box) box.innerHTML = "";
  }

  // A suggestion picked: it becomes the place, and the search runs.
  document.addEventListener("click", function (event) {
    var choice = event.target.closest(".place-suggestion");
    if (!choice) return;
    var form = searchForm(choice);
    form.elements.place.value = choice.dataset.place;
    clearSuggestions(form);
    usePosition(form, "", "");
    form.elements.place.focus();
    submit(form);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || !event.target.form || !event.target.form.dataset.placeSearch) return;
    clearSuggestions(event.target.form);
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.detail.target;
    if (target.classList.contains("place-suggestions")) return;
    // After an htmx search the summary above the results holds the errors: the ones printed next
    // to the fields by the previous full page are stale.
    if (target.id !== "stock-results") return;
    document.querySelectorAll("#stock-search .errorlist").forEach(function (list) { list.remove(); });
    document.querySelectorAll("#stock-search [aria-invalid]").forEach(function (field) {
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
  });

  // A place typed wins over a position kept from the previous search.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.dataset || !form.dataset.placeSearch) return;
    if (form.elements.place.value.trim()) usePosition(form, "", "");
    clearSuggestions(form);
  }, true);

  if (!("geolocation" in navigator)) return;
  document.documentElement.classList.add("can-locate");
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-locate]");
    if (!button) return;
    var form = searchForm(button);
    var status = form.querySelector("[data-locate-status]");
    status.textContent = "";
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      button.disabled = false;
      form.elements.place.value = "";
      usePosition(form, position.coords.latitude.toFixed(5), position.coords.longitude.toFixed(5));
      submit(form);
    }, function (error) {
      // Refused, unavailable or too slow: say so, and offer the place field instead.
      button.disabled = false;
      status.textContent = error.code === 1 ? button.dataset.refused : button.dataset.unavailable;
      form.elements.place.focus();
    }, {timeout: 10000, maximumAge: 600000});
  });
})();
