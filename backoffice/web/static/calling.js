// The caller page: the line refreshes itself whenever the server says something changed,
// but never under the nurse's hands: while a "จัดการ" panel is open or a choice inside
// the line has the focus, the refresh waits until they are done.
// (The fetch itself is app.js's fetchFragment: base.html loads app.js first.)
"use strict";

(function () {
  const box = document.getElementById("calling-line");
  if (!box) return;
  let busy = false;
  let again = false;
  let deferred = false;

  function inUse() {
    const focused = document.activeElement;
    const choosing = box.contains(focused) && ["SELECT", "INPUT", "TEXTAREA"].includes(focused.tagName);
    return Boolean(box.querySelector("details[open]")) || choosing;
  }

  async function refresh() {
    if (inUse()) {
      deferred = true;
      box.dataset.stale = "1";
      return;
    }
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const html = await window.fetchFragment(box.dataset.refresh);
      if (html === null) {
        // Offline for a moment: keep the last line; the next change refreshes it.
      } else if (inUse()) {
        deferred = true; // the nurse opened a panel while we fetched
        box.dataset.stale = "1";
      } else {
        box.innerHTML = html;
        delete box.dataset.stale;
        box.dataset.refreshedAt = String(Date.now());
      }
    } finally {
      busy = false;
      if (again) {
        again = false;
        refresh();
      }
    }
  }

  // A panel closed or the focus left the line: what was held back comes in now.
  function maybeCatchUp() {
    if (!deferred) return;
    setTimeout(() => {
      if (deferred && !inUse()) {
        deferred = false;
        refresh();
      }
    }, 0);
  }
  box.addEventListener("toggle", maybeCatchUp, true);
  box.addEventListener("focusout", maybeCatchUp);

  const source = new EventSource(box.dataset.events);
  source.addEventListener("changed", refresh);
  source.addEventListener("open", refresh); // after a reconnect: what was missed

  // One press, one call: the button is disabled as soon as its form goes (a double tap
  // would otherwise post twice; the server also refuses a form token used before).
  const next = document.getElementById("call-next");
  if (next && next.form) {
    next.form.addEventListener("submit", () => {
      setTimeout(() => {
        next.disabled = true;
      }, 0);
    });
  }

  // Finishing a whole visit asks first; every other action is undone by another press.
  document.addEventListener(
    "submit",
    (event) => {
      const form = event.target;
      if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true,
  );

  const point = document.getElementById("calling-point");
  if (point) point.addEventListener("change", () => point.form.submit());
})();
