// On a phone the step list scrolls sideways: keep the current step in view, at load and after
// each htmx swap of the configurator (a static file, so the page needs no inline script).
//
// After a swap, focus stays on the control the buyer just used: htmx replaces the whole
// configurator, so the element that had focus is gone. Before the request we note what it was
// (its id, else its family and label, else its position among the configurator's controls),
// and after the swap we focus its new copy (issue #14: keyboard users keep their place).
(function () {
  var FOCUSABLE = "a[href], button, input, select, textarea, [tabindex]";
  var remembered = null;
  var byKeyboard = false; // the last interaction: a key (scroll to the control) or a pointer

  function showCurrentStep() {
    var current = document.querySelector(".cfg-steps .is-current");
    if (current) current.scrollIntoView({ block: "nearest", inline: "center" });
  }

  function labelOf(element) {
    var label = element.querySelector(".cfg-label");
    return (label ? label.textContent : element.textContent).trim();
  }

  function remember(event) {
    var root = document.getElementById("configurateur");
    var active = document.activeElement;
    if (!root || !active || !root.contains(active)) {
      // A click without keyboard focus (a tap) leaves the focus where it was.
      var source = event && event.detail && event.detail.elt;
      active = source && root && root.contains(source) ? source : null;
    }
    if (!active) {
      remembered = null;
      return;
    }
    var controls = Array.prototype.slice.call(root.querySelectorAll(FOCUSABLE));
    remembered = {
      id: active.id || "",
      name: active.getAttribute("data-name") || "",
      label: labelOf(active),
      rel: active.getAttribute("rel") || "",
      index: controls.indexOf(active),
    };
  }

  function find(root) {
    if (!remembered) return null;
    if (remembered.id) {
      var byId = document.getElementById(remembered.id);
      if (byId && root.contains(byId)) return byId;
    }
    var controls = Array.prototype.slice.call(root.querySelectorAll(FOCUSABLE));
    if (remembered.name) {
      var same = controls.filter(function (element) {
        return element.getAttribute("data-name") === remembered.name;
      });
      var byLabel = same.filter(function (element) {
        return labelOf(element) === remembered.label;
      });
      if (byLabel.length) return byLabel[0];
      if (same.length) return same[0];
    }
    if (remembered.rel) {
      var byRel = root.querySelector('[rel="' + remembered.rel + '"]');
      if (byRel) return byRel;
    }
    var byText = controls.filter(function (element) {
      return labelOf(element) === remembered.label;
    });
    if (byText.length) return byText[0];
    if (remembered.index >= 0 && controls.length) {
      return controls[Math.min(remembered.index, controls.length - 1)];
    }
    return null;
  }

  function restore() {
    var root = document.getElementById("configurateur");
    var target = root && find(root);
    remembered = null;
    if (target) target.focus({ preventScroll: !byKeyboard });
  }

  document.addEventListener("keydown", function () {
    byKeyboard = true;
  });
  document.addEventListener("pointerdown", function () {
    byKeyboard = false;
  });
  document.addEventListener("DOMContentLoaded", showCurrentStep);
  document.addEventListener("htmx:beforeRequest", remember);
  document.addEventListener("htmx:afterSettle", function () {
    showCurrentStep();
    restore();
  });
})();
