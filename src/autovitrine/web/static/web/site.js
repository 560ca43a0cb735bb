// Small behaviours of every page, declared by data attributes: the Content-Security-Policy runs
// no inline script and no on*="…" handler.
(function () {
  // <select data-autosubmit>: choosing submits its form (the language switch).
  document.addEventListener("change", function (event) {
    var field = event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });
  // <form data-confirm="Question ?">: asks before submitting.
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });
  document.addEventListener("click", function (event) {
    // <button data-print>: prints the page.
    if (event.target.closest("[data-print]")) window.print();
    // <input data-select-on-click>: selects the whole text (a link to copy).
    var field = event.target.closest("[data-select-on-click]");
    if (field) field.select();
  });
  // hx-get="…" data-swap-429: a "too many requests" answer is a fragment saying in French how
  // long to wait, shown like any answer (htmx swaps no 4xx by default).
  document.addEventListener("htmx:beforeSwap", function (event) {
    var detail = event.detail;
    // The event fires on the target; the element that made the request is requestConfig.elt.
    var source = detail.requestConfig && detail.requestConfig.elt;
    if (detail.xhr.status === 429 && source && source.closest("[data-swap-429]")) {
      detail.shouldSwap = true;
      detail.isError = false;
    }
  });
  // <details data-menu>: a tap outside or Escape closes the open menu (it opens without script).
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
  });
  // On a phone the configurator's step list scrolls sideways: keep the current step in view,
  // on load and after each htmx swap.
  function showCurrentStep() {
    var current = document.querySelector(".cfg-steps .is-current");
    if (current) current.scrollIntoView({block: "nearest", inline: "center"});
  }
  document.addEventListener("DOMContentLoaded", showCurrentStep);
  document.addEventListener("htmx:afterSettle", showCurrentStep);
})();
