// The live timeline: an EventSource on the order's stream. The browser resumes after a cut with
// Last-Event-ID; the page itself works without this script (reload it).
(function () {
  "use strict";
  var section = document.getElementById("tracking");
  if (!section || !window.EventSource) return;
  var seen = {};
  document.querySelectorAll("#tracking-log [data-event]").forEach(function (item) {
    seen[item.getAttribute("data-event")] = true;
  });
  var url = section.getAttribute("data-stream") + "?depuis=" + (section.getAttribute("data-last-event") || "0");
  var source = new EventSource(url);
  var live = document.getElementById("tracking-live");
  // Every message id received, repeats included (the browser tests check there are none).
  var received = [];
  window.trackingReceived = received;

  function setText(id, text) {
    var node = document.getElementById(id);
    if (node) node.textContent = text;
  }

  source.addEventListener("open", function () {
    if (live) live.textContent = "En direct";
    section.setAttribute("data-live", "open");
  });
  source.addEventListener("error", function () {
    if (live) live.textContent = "Reconnexion…";
    section.setAttribute("data-live", "reconnecting");
  });
  source.addEventListener("progress", function (event) {
    var message = JSON.parse(event.data);
    received.push(message.id);
    if (seen[message.id]) return;
    seen[message.id] = true;
    var empty = document.getElementById("tracking-log-empty");
    if (empty) empty.remove();
    var item = document.createElement("li");
    item.setAttribute("data-event", message.id);
    var time = document.createElement("time");
    time.setAttribute("datetime", message.at);
    time.textContent = message.at_display;
    item.appendChild(time);
    item.appendChild(document.createTextNode(" " + message.text));
    var log = document.getElementById("tracking-log");
    log.insertBefore(item, log.firstChild);
    setText("tracking-stage", message.stage);
    setText("tracking-percent", String(message.percent));
    setText("tracking-eta", message.eta);
    var bar = document.getElementById("tracking-progress");
    if (bar) { bar.value = message.percent; bar.textContent = message.percent + " %"; }
    var hold = document.getElementById("tracking-hold");
    if (hold) {
      hold.classList.toggle("is-hidden", !message.on_hold);
      if (message.on_hold && message.kind === "quality_hold") hold.textContent = message.text;
    }
  });
})();
