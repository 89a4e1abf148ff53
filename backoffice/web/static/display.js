// The waiting-room board: live from the server's event stream, one announcement at a time.
"use strict";

(function () {
  const body = document.body;
  const lang = body.dataset.lang === "en" ? "en" : "th";
  const offline = document.getElementById("offline");
  const dbOffline = document.getElementById("db-offline");
  const soundButton = document.getElementById("sound");
  const OFFLINE_AFTER_MS = 2500; // a stream ends every 30 s and reconnects at once
  // The server sends a named "ping" every few seconds; this long without any event
  // means the connection is gone even if nobody closed it (a dropped Wi-Fi, a proxy).
  const SILENCE_MS = parseInt(body.dataset.silenceMs || "25000", 10);
  // A clip must start playing within CLIP_MS; once playing it has its own length and a
  // little more (a long number at a long place name runs past 10 s).
  const CLIP_MS = parseInt(body.dataset.clipMs || "15000", 10);
  const CLIP_SLACK_MS = 3000;
  const STALE_MS = parseInt(body.dataset.staleMs || "60000", 10); // too late to say
  const RECONNECT_MS = 2000;
  let source = null;
  let offlineTimer = null;
  let silenceTimer = null;
  let reconnectTimer = null;
  let lastCall = null; // the newest call already queued (null until the first board)
  const toSay = []; // {id, learnt}: in the order called
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

  function showOfflineNow() {
    clearTimeout(offlineTimer);
    offlineTimer = null;
    offline.hidden = false;
    body.dataset.connected = "0";
  }

  function render(board) {
    dbOffline.hidden = board.online !== false;
    const points = document.getElementById("points");
    const shown = board.points || [];
    if (!shown.length && board.online === false && points.childElementCount) {
      return; // the database went away before any board: keep what there is
    }
    points.replaceChildren();
    shown.forEach((p) => {
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
    if (calls.length || board.online !== false) latest.replaceChildren();
    if (calls.length) {
      const newest = calls[calls.length - 1];
      latest.append(el("span", "board-latest-no", newest.no));
      latest.append(el("span", "board-latest-text", lang === "en" ? newest.en : newest.th));
      latest.dataset.call = String(newest.id);
    }
    if (lastCall === null) {
      if (board.online !== false || calls.length) {
        lastCall = calls.length ? calls[calls.length - 1].id : 0; // said before we came
      }
    } else {
      const now = Date.now();
      calls.filter((c) => c.id > lastCall).forEach((c) => toSay.push({ id: c.id, learnt: now }));
      if (calls.length) lastCall = Math.max(lastCall, calls[calls.length - 1].id);
      sayNext();
    }
    body.dataset.rendered = String(Date.now());
  }

  function noteSaid(id, how) {
    body.dataset.said = (body.dataset.said ? body.dataset.said + "," : "") + id;
    body.dataset.settled = (body.dataset.settled ? body.dataset.settled + "," : "") + `${id}:${how}`;
    if (how !== "played") body.dataset.unsaid = (body.dataset.unsaid ? body.dataset.unsaid + "," : "") + id;
  }

  // One announcement at a time. Each attempt settles exactly once (ended, error,
  // rejected play, or the time limit), and only then may the next one start.
  function sayNext() {
    if (saying) return;
    const now = Date.now();
    while (toSay.length && now - toSay[0].learnt > STALE_MS) {
      noteSaid(toSay.shift().id, "stale"); // sound came on too late for this one
    }
    if (!toSay.length) return;
    saying = true;
    const item = toSay.shift();
    const audio = new Audio(`${body.dataset.audio}&call=${item.id}`);
    let settled = false;
    let limit = setTimeout(() => settle("timeout"), CLIP_MS);
    function settle(how) {
      if (settled) return;
      settled = true;
      clearTimeout(limit);
      if (how !== "played") {
        audio.pause();
        audio.removeAttribute("src");
        audio.load(); // stop a stalled download for good
      }
      if (how === "blocked") {
        // The browser wants a touch before sound: ask once, say it after the touch.
        toSay.unshift(item);
        soundButton.hidden = false;
        saying = false;
        return;
      }
      noteSaid(item.id, how);
      saying = false;
      sayNext();
    }
    audio.addEventListener("playing", () => {
      if (settled || !Number.isFinite(audio.duration)) return;
      clearTimeout(limit);
      const left = (audio.duration - audio.currentTime) * 1000;
      limit = setTimeout(() => settle("timeout"), left + CLIP_SLACK_MS);
    });
    audio.addEventListener("ended", () => settle("played"), { once: true });
    audio.addEventListener("error", () => settle("error"), { once: true });
    const started = audio.play();
    if (started && started.catch) {
      started.catch((err) => settle(err && err.name === "NotAllowedError" ? "blocked" : "error"));
    }
  }

  soundButton.addEventListener("click", () => {
    soundButton.hidden = true;
    sayNext();
  });

  function heard() {
    clearTimeout(silenceTimer);
    silenceTimer = setTimeout(() => {
      // Nothing for too long, the stream still "open": drop it and start again.
      showOfflineNow();
      reconnect();
    }, SILENCE_MS);
  }

  function reconnect() {
    if (source) source.close();
    source = null;
    clearTimeout(reconnectTimer);
    reconnectTimer = setTimeout(connect, RECONNECT_MS);
  }

  function connect() {
    clearTimeout(reconnectTimer);
    source = new EventSource(body.dataset.events);
    heard(); // a connection that never opens counts as silence too
    source.addEventListener("open", () => {
      heard();
      showOnline();
    });
    source.addEventListener("ping", () => {
      heard();
      showOnline();
    });
    source.addEventListener("board", (event) => {
      heard();
      showOnline();
      render(JSON.parse(event.data));
    });
    source.addEventListener("error", () => {
      showOfflineSoon();
      if (source && source.readyState === EventSource.CLOSED) {
        // An HTTP error (503: too many streams) ends the browser's own retries.
        reconnect();
      }
    });
  }

  connect();
})();
