// Flash-sale pages: live countdowns, the waiting room (proof of work, join, live status)
// and the head-office/dealer dashboard. No build step; loaded with `defer`.
(function () {
  "use strict";

  const csrfToken = document.querySelector('meta[name="csrf-token"]').content;

  function fill(template, values) {
    return template.replace(/%\((\w+)\)s/g, (_, name) => String(values[name]));
  }

  function formatDuration(ms) {
    const total = Math.max(0, Math.round(ms / 1000));
    const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
    if (h > 0) return `${h} h ${String(m).padStart(2, "0")} min`;
    if (m > 0) return `${m} min ${String(s).padStart(2, "0")} s`;
    return `${s} s`;
  }

  // --- Countdowns: any element with data-countdown-to="<ISO date>" ---------------------------
  function startCountdown(element, deadline) {
    function tick() {
      const left = deadline - Date.now();
      if (left <= 0) {
        element.textContent = element.dataset.expiredText || formatDuration(0);
        element.dispatchEvent(new CustomEvent("countdown-end", { bubbles: true }));
        return;
      }
      element.textContent = formatDuration(left);
      setTimeout(tick, 1000 - (Date.now() % 1000) + 5);
    }
    tick();
  }
  document.querySelectorAll("[data-countdown-to]").forEach((element) => {
    startCountdown(element, Date.parse(element.dataset.countdownTo));
  });

  // --- Waiting room ---------------------------------------------------------------------------
  const room = document.getElementById("waiting-room");
  if (room) waitingRoom(room);

  function waitingRoom(room) {
    const texts = JSON.parse(document.getElementById("wr-texts").textContent);
    const unitsLine = document.getElementById("wr-units");
    const placeBox = document.getElementById("wr-place");
    const errorLine = document.getElementById("wr-error");
    const joinButton = document.getElementById("wr-join");
    const claimForm = document.getElementById("wr-claim");
    let pollTimer = null;
    let stopped = false;
    // When the page got its challenge: one older than its life (less a minute to solve it) is
    // replaced before solving, so a page opened long before the click does not solve in vain.
    let challengeAt = Date.now();
    const challengeFreshMs = Number(room.dataset.challengeTtlMs) - 60000;

    function say(lines, className) {
      placeBox.replaceChildren(...lines.map(([text, cls]) => {
        const p = document.createElement("p");
        p.textContent = text;
        if (cls || className) p.className = cls || className;
        return p;
      }));
    }

    function schedule(ms, jitterMs) {
      clearTimeout(pollTimer);
      if (stopped || ms <= 0) return;
      // The server says how much jitter it wants, so that thousands of pages do not ask in the
      // same millisecond (none for the pre-queue, whose pages it already orders by their draw).
      const jitter = jitterMs === undefined ? Math.min(2000, ms * 0.3) : jitterMs;
      pollTimer = setTimeout(poll, ms + Math.random() * jitter);
    }

    function render(status) {
      errorLine.textContent = "";
      const units = status.units;
      let unitsText = fill(texts.units, { left: units.left, total: units.total });
      if (units.held > 0 && !status.sold_out) unitsText += " (" + fill(texts.units_held, { held: units.held }) + ")";
      // Once the sale is open, say so (the countdown above stops at zero).
      if (status.state === "open" && texts.open) unitsText = texts.open + " · " + unitsText;
      unitsLine.textContent = unitsText;
      if (joinButton) joinButton.hidden = status.place !== "none" || status.sold_out || status.state === "closed";
      if (claimForm && status.place !== "admitted") claimForm.hidden = true;

      if (status.sold_out) {
        stopped = true;
        say([[texts.sold_out, "wr-sold-out"]]);
        return;
      }
      if (status.state === "closed") {
        stopped = true;
        say([[texts.closed]]);
        return;
      }
      const lines = [];
      switch (status.place) {
        case "pre":
          lines.push([fill(texts.pre, { count: status.pre_length })]);
          break;
        case "waiting":
          lines.push([fill(texts.position, { position: status.position }), "wr-position"]);
          lines.push([status.eta_seconds ? fill(texts.eta, { eta: formatDuration(status.eta_seconds * 1000) }) : texts.no_eta]);
          if (status.all_held) lines.push([texts.all_held]);
          else if (status.unlikely) lines.push([texts.unlikely]);
          break;
        case "admitted":
          claimForm.hidden = false;
          claimForm.elements.token.value = status.admission.token;
          document.getElementById("wr-turn-left").textContent =
            fill(texts.admitted, { time: formatDuration(status.admission.expires_in_ms) });
          break;
        case "holding":
          lines.push([texts.holding]);
          break;
        case "done":
          lines.push([texts.done]);
          break;
        case "removed":
          lines.push([texts.removed]);
          break;
        default:
          if (status.all_held) lines.push([texts.all_held]);
      }
      say(lines);
    }

    async function poll() {
      try {
        const response = await fetch(room.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
        const body = await response.json();
        if (!response.ok) {
          errorLine.textContent = body.error ? body.error.message : texts.network;
          // The server says when to try again (a waiting room restarting: 503 with retry_ms).
          schedule(body.retry_ms || (response.status === 429 ? 15000 : 3000));
          return;
        }
        render(body);
        schedule(body.poll_ms, body.poll_jitter_ms);
      } catch (error) {
        errorLine.textContent = texts.network;
        schedule(5000);
      }
    }

    async function leadingZeroBits(text) {
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
      let bits = 0;
      for (const byte of digest) {
        if (byte === 0) { bits += 8; continue; }
        return bits + Math.clz32(byte) - 24;
      }
      return bits;
    }

    // The proof of work asked at join time: find a nonce so that sha256(challenge + nonce)
    // starts with `difficulty` zero bits (about 2^difficulty tries; a second or so on a phone).
    async function solve(challenge, difficulty) {
      for (let nonce = 0; ; nonce++) {
        if (await leadingZeroBits(challenge + nonce) >= difficulty) return String(nonce);
      }
    }

    async function refreshChallenge() {
      try {
        const response = await fetch(room.dataset.challengeUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const body = await response.json();
        room.dataset.challenge = body.challenge;
        room.dataset.difficulty = String(body.difficulty);
        challengeAt = Date.now();
        if (window.crypto && crypto.randomUUID) room.dataset.joinKey = crypto.randomUUID().replace(/-/g, "");
      } catch (error) {
        // The next click tries again with what the page has.
      }
    }

    async function join(again) {
      if (!(window.crypto && crypto.subtle)) {
        errorLine.textContent = texts.no_crypto;
        return;
      }
      joinButton.disabled = true;
      say([[texts.solving]]);
      if (Date.now() - challengeAt > challengeFreshMs) await refreshChallenge();
      const nonce = await solve(room.dataset.challenge, Number(room.dataset.difficulty));
      const form = new URLSearchParams({ challenge: room.dataset.challenge, nonce: nonce });
      try {
        const response = await fetch(room.dataset.joinUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "X-CSRFToken": csrfToken, "Idempotency-Key": room.dataset.joinKey, Accept: "application/json" },
          body: form,
        });
        const body = await response.json();
        joinButton.disabled = false;
        if (!response.ok && body.challenge && again !== true) {
          // A challenge that expired, or places taken from this network meanwhile: the server
          // hands a fresh one, solved at the difficulty it states, once, without a click.
          errorLine.textContent = body.error.message;
          room.dataset.challenge = body.challenge;
          room.dataset.difficulty = String(body.difficulty);
          challengeAt = Date.now();
          return join(true);
        }
        if (!response.ok) {
          say([]);
          errorLine.textContent = body.error.message;
          // Always a way back into the line: the button stays, with a fresh challenge and key.
          joinButton.hidden = false;
          await refreshChallenge();
          return;
        }
        render(body);
        schedule(body.poll_ms, body.poll_jitter_ms);
      } catch (error) {
        joinButton.disabled = false;
        errorLine.textContent = texts.network;
      }
    }

    if (joinButton) joinButton.addEventListener("click", () => join(false));
    poll();
  }

  // --- Dashboard ------------------------------------------------------------------------------
  const dashboard = document.getElementById("sale-dashboard");
  if (dashboard) liveDashboard(dashboard);

  function liveDashboard(box) {
    let chart = null;
    const setText = (id, value) => { document.getElementById(id).textContent = value; };

    function drawChart(perMinute) {
      const labels = perMinute.map((_, i) => `-${perMinute.length - i} min`);
      if (!window.Chart) return;
      if (!chart) {
        chart = new window.Chart(document.getElementById("sales-chart"), {
          type: "bar",
          data: { labels: labels, datasets: [{ label: box.dataset.salesLabel, data: perMinute, backgroundColor: "#0b5fff" }] },
          options: { animation: false, maintainAspectRatio: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } }, plugins: { legend: { display: false } } },
        });
      } else {
        chart.data.datasets[0].data = perMinute;
        chart.update();
      }
    }

    async function refresh() {
      try {
        const response = await fetch(box.dataset.url, { credentials: "same-origin" });
        if (response.ok) {
          const data = await response.json();
          setText("dash-status", data.status_label);
          setText("fig-visitors", data.visitors);
          setText("fig-queue", data.queue_length);
          setText("fig-admitted", data.admitted);
          setText("fig-held", data.units.held);
          setText("fig-sold", `${data.units.sold} / ${data.units.total}`);
          setText("fig-left", data.units.available);
          setText("dash-updated", new Date().toLocaleTimeString("fr-FR", { timeZone: "Europe/Paris" }));
          const rows = data.own_units.map((unit) => {
            const tr = document.createElement("tr");
            for (const value of [unit.vin, unit.label, unit.dealer, unit.status]) {
              const td = document.createElement("td");
              td.textContent = value;
              tr.appendChild(td);
            }
            return tr;
          });
          document.getElementById("dash-units").replaceChildren(...rows);
          drawChart(data.sales_per_minute);
        }
      } finally {
        setTimeout(refresh, 3000);
      }
    }
    refresh();
  }
})();
