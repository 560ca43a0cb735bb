// Opt-in to the tracking alerts on this phone (Web Push): shown only where the browser can.
(function () {
  "use strict";
  const box = document.getElementById("push-optin");
  if (!box || !("serviceWorker" in navigator) || !("PushManager" in window)) return;
  box.hidden = false;
  const button = box.querySelector("button");
  const status = box.querySelector("[role=status]");

  function keyBytes(base64url) {
    const padded = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
  }

  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        status.textContent = box.dataset.refused;
        return;
      }
      const registration = await navigator.serviceWorker.register(box.dataset.worker);
      await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({
        userVisibleOnly: true,
        applicationServerKey: keyBytes(box.dataset.key),
      });
      const response = await fetch(box.dataset.url, {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": box.querySelector("[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify(subscription.toJSON()),
      });
      status.textContent = response.ok ? box.dataset.done : box.dataset.failed;
    } catch (error) {
      status.textContent = box.dataset.failed;
    } finally {
      button.disabled = false;
    }
  });
})();
