// Head office's production view: draws each plant's charts from the JSON the page carries
// (json_script, no inline script); the tables under them say the same for screen readers.
(function () {
  "use strict";
  const source = document.getElementById("office-charts");
  if (!source || !window.Chart) return;
  const charts = JSON.parse(source.textContent);
  const texts = JSON.parse(document.getElementById("office-texts").textContent);
  const BAR_HEIGHT = 30;

  function sized(canvas, bars) {
    // CSSOM, not a style attribute: allowed by the Content-Security-Policy.
    canvas.parentElement.style.height = `${Math.max(bars * BAR_HEIGHT + 60, 160)}px`;
    return canvas;
  }

  const common = {
    indexAxis: "y",
    animation: false,
    maintainAspectRatio: false,
    plugins: { legend: { position: "bottom" } },
  };

  for (const plant of charts) {
    const stages = document.getElementById(`stages-${plant.code}`);
    if (stages) {
      new window.Chart(sized(stages, plant.stages.labels.length), {
        type: "bar",
        data: {
          labels: plant.stages.labels,
          datasets: [
            { label: texts.cars, data: plant.stages.cars, backgroundColor: "#0b4f9c", stack: "cars" },
            { label: texts.on_hold, data: plant.stages.on_hold, backgroundColor: "#b3261e", stack: "cars" },
          ],
        },
        options: { ...common, scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } },
      });
    }
    const durations = document.getElementById(`durations-${plant.code}`);
    if (durations) {
      new window.Chart(sized(durations, plant.durations.labels.length), {
        type: "bar",
        data: {
          labels: plant.durations.labels,
          datasets: [
            // A floating bar from mean - sd to mean + sd: the observed spread at a glance.
            { label: texts.observed, data: plant.durations.observed, backgroundColor: "rgba(11, 79, 156, 0.35)", borderColor: "#0b4f9c", borderWidth: 1, grouped: false },
            { type: "line", label: texts.mean, data: plant.durations.mean, showLine: false, pointStyle: "line", pointRadius: 10, pointBorderWidth: 3, borderColor: "#0b4f9c", backgroundColor: "#0b4f9c" },
            { type: "line", label: texts.typical, data: plant.durations.typical, showLine: false, pointStyle: "rectRot", pointRadius: 6, borderColor: "#1d6b3a", backgroundColor: "#1d6b3a" },
          ],
        },
        options: { ...common, scales: { x: { beginAtZero: true } } },
      });
    }
  }
})();
