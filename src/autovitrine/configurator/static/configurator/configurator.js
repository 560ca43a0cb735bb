// On a phone the step list scrolls sideways: keep the current step in view, at load and after
// each htmx swap of the configurator (a static file, so the page needs no inline script).
(function () {
  function showCurrentStep() {
    var current = document.querySelector(".cfg-steps .is-current");
    if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
  }
  document.addEventListener("DOMContentLoaded", showCurrentStep);
  document.addEventListener("htmx:afterSettle", showCurrentStep);
})();
