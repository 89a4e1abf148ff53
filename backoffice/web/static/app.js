// Small progressive enhancement: the pages work without it.
"use strict";

// A page fragment, fetched as the signed-in user: its HTML, or null when it could not be
// had (offline for a moment: the caller keeps what it shows). A lapsed session goes to
// the sign-in page, which brings the user back here, query string and all.
async function fetchFragment(url) {
  try {
    const reply = await fetch(url, {
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
      cache: "no-store",
    });
    if (reply.status === 200) return await reply.text();
    if (reply.status === 401) {
      const here = window.location.pathname + window.location.search;
      window.location.href = "/login?next=" + encodeURIComponent(here);
    }
  } catch (err) {
    // Offline for a moment.
  }
  return null;
}
window.fetchFragment = fetchFragment;

// Today's queue: fetch the table fragment every few seconds and swap it in.
function startQueueRefresh() {
  const box = document.getElementById("queue-rows");
  if (!box) return;
  const url = box.dataset.refresh;
  const every = parseInt(box.dataset.interval || "15000", 10);
  setInterval(async () => {
    const html = await fetchFragment(url);
    if (html !== null) {
      box.innerHTML = html;
      box.dataset.refreshedAt = String(Date.now());
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
