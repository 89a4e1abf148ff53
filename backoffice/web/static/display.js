// The waiting-room board: live from the server's event stream, one announcement at a time.
"use strict";

(function () {
  const body = document.body;
  const lang = body.dataset.lang === "en" ? "en" : "th";
  const offline = document.getElementById("offline");
  const dbOffline = document.getElementById("db-offline");
  const soundButton = document.getElementById("sound");
  const OFFLINE_AFTER_MS = 2500; // a stream ends every 30 s and reconnects at once
  let source = null;
  let offlineTimer = null;
  let lastCall = null; // the newest call already said (null until the first board)
  const toSay = [];
  let saying = false;

  function el(tag, cls, text) {
    const node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function showOnline() {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    offline.hidden = true;
    body.dataset.connected = "1";
  }

  function showOfflineSoon() {
    if (offlineTimer) return;
    offlineTimer = setTimeout(() => {
      offline.hidden = false;
      body.dataset.connected = "0";
    }, OFFLINE_AFTER_MS);
  }

  function render(board) {
    dbOffline.hidden = board.online !== false;
    const points = document.getElementById("points");
    points.replaceChildren();
    board.points.forEach((p) => {
      const box = el("section", "board-point");
      box.dataset.point = p.code;
      box.append(el("h2", "board-point-name", lang === "en" ? p.en : p.th));
      p.called.forEach((c) => {
        const row = el("div", "board-called" + (c.priority ? " priority" : ""));
        row.append(el("span", "board-no", c.no));
        row.append(el("span", "board-counter", lang === "en" ? c.counter_en : c.counter_th));
        if (c.name) row.append(el("span", "board-name", c.name));
        box.append(row);
      });
      if (p.waiting.length) {
        box.append(el("div", "board-waiting-title", points.dataset.waiting));
        const list = el("div", "board-waiting");
        p.waiting.forEach((w) => list.append(el("span", w.priority ? "priority" : "", w.no)));
        if (p.waiting_count > p.waiting.length) {
          list.append(el("span", "more", `${body.dataset.more} ${p.waiting_count - p.waiting.length} ${body.dataset.people}`));
        }
        box.append(list);
      }
      points.append(box);
    });
    const calls = board.calls || [];
    const latest = document.getElementById("latest");
    latest.replaceChildren();
    if (calls.length) {
      const newest = calls[calls.length - 1];
      latest.append(el("span", "board-latest-no", newest.no));
      latest.append(el("span", "board-latest-text", lang === "en" ? newest.en : newest.th));
      latest.dataset.call = String(newest.id);
    }
    if (lastCall === null) {
      lastCall = calls.length ? calls[calls.length - 1].id : 0; // what was said before we came
    } else {
      calls.filter((c) => c.id > lastCall).forEach((c) => toSay.push(c.id));
      if (calls.length) lastCall = Math.max(lastCall, calls[calls.length - 1].id);
      sayNext();
    }
    body.dataset.rendered = String(Date.now());
  }

  function sayNext() {
    if (saying || !toSay.length) return;
    saying = true;
    const id = toSay.shift();
    const audio = new Audio(`${body.dataset.audio}&call=${id}`);
    const finish = () => {
      saying = false;
      body.dataset.said = (body.dataset.said ? body.dataset.said + "," : "") + id;
      sayNext();
    };
    audio.addEventListener("ended", finish, { once: true });
    audio.addEventListener("error", finish, { once: true });
    audio.play().catch(() => {
      // The browser wants a touch before sound: ask once, say it after.
      soundButton.hidden = false;
      toSay.unshift(id);
      saying = false;
    });
  }

  soundButton.addEventListener("click", () => {
    soundButton.hidden = true;
    sayNext();
  });

  function connect() {
    source = new EventSource(body.dataset.events);
    source.addEventListener("open", showOnline);
    source.addEventListener("board", (event) => {
      showOnline();
      render(JSON.parse(event.data));
    });
    source.addEventListener("error", () => {
      showOfflineSoon();
      if (source.readyState === EventSource.CLOSED) {
        // An HTTP error ends the browser's own retries: start again ourselves.
        setTimeout(connect, 2000);
      }
    });
  }

  connect();
})();
