// Small progressive enhancement: the pages work without it.
"use strict";

// Today's queue: fetch the table fragment every few seconds and swap it in.
function startQueueRefresh() {
  const box = document.getElementById("queue-rows");
  if (!box) return;
  const url = box.dataset.refresh;
  const every = parseInt(box.dataset.interval || "15000", 10);
  setInterval(async () => {
    try {
      const reply = await fetch(url, {
        headers: { "X-Requested-With": "fetch" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (reply.status === 200) {
        box.innerHTML = await reply.text();
        box.dataset.refreshedAt = String(Date.now());
      } else if (reply.status === 401) {
        window.location.href = "/login?next=" + encodeURIComponent(window.location.pathname);
      }
    } catch (err) {
      // Offline for a moment: keep showing the last table.
    }
  }, every);
}

// The on-screen keypad for citizen IDs.
function startKeypad() {
  document.querySelectorAll(".keypad").forEach((pad) => {
    const input = document.getElementById(pad.dataset.target);
    if (!input) return;
    pad.addEventListener("click", (event) => {
      const key = event.target.dataset && event.target.dataset.key;
      if (!key) return;
      if (key === "clear") input.value = "";
      else if (key === "back") input.value = input.value.slice(0, -1);
      else if (input.value.replace(/\D/g, "").length < 13) input.value += key;
      input.focus();
    });
  });
}

document.addEventListener("DOMContentLoaded", () => {
  startQueueRefresh();
  startKeypad();
});
