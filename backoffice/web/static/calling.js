// The caller page: the line refreshes itself whenever the server says something changed.
"use strict";

(function () {
  const box = document.getElementById("calling-line");
  if (!box) return;
  let busy = false;
  let again = false;

  async function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const reply = await fetch(box.dataset.refresh, {
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
      // Offline for a moment: keep the last line; the next change refreshes it.
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  const source = new EventSource(box.dataset.events);
  source.addEventListener("changed", refresh);
  source.addEventListener("open", refresh); // after a reconnect: what was missed

  const point = document.getElementById("calling-point");
  if (point) point.addEventListener("change", () => point.form.submit());
})();
