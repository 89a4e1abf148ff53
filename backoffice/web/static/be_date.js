// Dates in the Buddhist era: every <input type="date"> becomes a text field that shows and
// accepts วัน/เดือน/ปี พ.ศ. (15/1/2569), with a month calendar beside it. The form still
// sends the ISO Christian-era date the server reads: the field keeps its name and its
// value is swapped for the ISO date as the form is sent (the "formdata" event). Without
// this script the browser's own date field is left as it is.
"use strict";

const BE_OFFSET = 543;
const TH_MONTHS = ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน",
  "กรกฎาคม", "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"];
const EN_MONTHS = ["January", "February", "March", "April", "May", "June", "July",
  "August", "September", "October", "November", "December"];
const TH_DAYS = ["อา", "จ", "อ", "พ", "พฤ", "ศ", "ส"];
const EN_DAYS = ["Su", "Mo", "Tu", "We", "Th", "Fr", "Sa"];

function pageLang() {
  return document.documentElement.lang === "en" ? "en" : "th";
}

function words() {
  const th = pageLang() === "th";
  return {
    months: th ? TH_MONTHS : EN_MONTHS,
    days: th ? TH_DAYS : EN_DAYS,
    hint: th ? "วว/ดด/ปปปป (พ.ศ.)" : "dd/mm/yyyy (BE)",
    open: th ? "เลือกจากปฏิทิน" : "Pick from a calendar",
    prev: th ? "เดือนก่อน" : "Previous month",
    next: th ? "เดือนถัดไป" : "Next month",
    bad: th ? "กรุณาใส่วันที่แบบ วัน/เดือน/ปี พ.ศ. เช่น 15/1/2569"
      : "Write the date as day/month/year (BE), e.g. 15/1/2569",
    era: th ? "พ.ศ." : "BE",
  };
}

function pad(n) {
  return String(n).padStart(2, "0");
}

function toIso(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function fromIso(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
  if (!m) return null;
  const date = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return date.getMonth() === Number(m[2]) - 1 ? date : null;
}

function showBe(date) {
  return date ? `${date.getDate()}/${date.getMonth() + 1}/${date.getFullYear() + BE_OFFSET}` : "";
}

// "15/1/2569", "15-01-2569", "15.1.69": day, month, year in the Buddhist era (two digits
// are 25xx); a year below 2400 is taken as Christian era, as people sometimes type it.
function parseBe(text) {
  const iso = /^\s*(\d{4})-(\d{2})-(\d{2})\s*$/.exec(text || "");
  if (iso) {
    const year = Number(iso[1]) > 2400 ? Number(iso[1]) - BE_OFFSET : Number(iso[1]);
    return fromIso(`${year}-${iso[2]}-${iso[3]}`);
  }
  const m = /^\s*(\d{1,2})\s*[/.\-\s]\s*(\d{1,2})\s*[/.\-\s]\s*(\d{2}|\d{4})\s*$/.exec(text || "");
  if (!m) return null;
  let year = Number(m[3]);
  if (m[3].length === 2) year += 2500;
  if (year > 2400) year -= BE_OFFSET;
  const date = new Date(year, Number(m[2]) - 1, Number(m[1]));
  if (date.getMonth() !== Number(m[2]) - 1 || date.getDate() !== Number(m[1])) return null;
  return date;
}

function buildCalendar(field, text, w) {
  const box = document.createElement("div");
  box.className = "be-calendar";
  box.hidden = true;
  box.setAttribute("role", "dialog");
  box.setAttribute("aria-label", w.open);
  let shown = fromIso(text.dataset.iso) || new Date();

  function draw() {
    box.textContent = "";
    const head = document.createElement("div");
    head.className = "be-head";
    const prev = document.createElement("button");
    prev.type = "button";
    prev.className = "be-nav";
    prev.textContent = "‹";
    prev.setAttribute("aria-label", w.prev);
    prev.addEventListener("click", () => { shown = new Date(shown.getFullYear(), shown.getMonth() - 1, 1); draw(); });
    const title = document.createElement("strong");
    title.textContent = `${w.months[shown.getMonth()]} ${w.era} ${shown.getFullYear() + BE_OFFSET}`;
    title.setAttribute("aria-live", "polite");
    const next = document.createElement("button");
    next.type = "button";
    next.className = "be-nav";
    next.textContent = "›";
    next.setAttribute("aria-label", w.next);
    next.addEventListener("click", () => { shown = new Date(shown.getFullYear(), shown.getMonth() + 1, 1); draw(); });
    head.append(prev, title, next);
    const grid = document.createElement("div");
    grid.className = "be-grid";
    w.days.forEach((d) => {
      const cell = document.createElement("span");
      cell.className = "be-dow";
      cell.textContent = d;
      grid.append(cell);
    });
    const first = new Date(shown.getFullYear(), shown.getMonth(), 1);
    for (let i = 0; i < first.getDay(); i += 1) grid.append(document.createElement("span"));
    const chosen = text.dataset.iso;
    const last = new Date(shown.getFullYear(), shown.getMonth() + 1, 0).getDate();
    for (let day = 1; day <= last; day += 1) {
      const date = new Date(shown.getFullYear(), shown.getMonth(), day);
      const b = document.createElement("button");
      b.type = "button";
      b.className = "be-day";
      b.textContent = String(day);
      b.dataset.date = toIso(date);
      if (b.dataset.date === chosen) b.setAttribute("aria-pressed", "true");
      b.addEventListener("click", () => {
        text.dataset.iso = b.dataset.date;
        text.value = showBe(date);
        text.setCustomValidity("");
        box.hidden = true;
        text.focus();
      });
      grid.append(b);
    }
    box.append(head, grid);
  }

  box.toggle = () => {
    shown = fromIso(text.dataset.iso) || shown;
    draw();
    box.hidden = !box.hidden;
    if (!box.hidden) {
      const on = box.querySelector('[aria-pressed="true"]') || box.querySelector(".be-day");
      if (on) on.focus();
    }
  };
  box.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      box.hidden = true;
      text.focus();
    }
  });
  field.append(box);
  return box;
}

// A calendar drawn as SVG: the clinic PCs' fonts have no emoji to show one with.
function calendarIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("width", "22");
  svg.setAttribute("height", "22");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("fill", "currentColor");
  path.setAttribute("d", "M7 2h2v2h6V2h2v2h2a2 2 0 0 1 2 2v14a2 2 0 0 1-2 2H5a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2h2V2zM5 9v11h14V9H5zm2 2h3v3H7v-3z");
  svg.append(path);
  return svg;
}

function enhance(input) {
  const w = words();
  const text = document.createElement("input");
  text.type = "text";
  text.inputMode = "numeric";
  text.autocomplete = "off";
  text.placeholder = w.hint;
  text.className = "be-text";
  if (input.id) text.id = input.id;
  text.name = input.name;
  text.dataset.iso = fromIso(input.value) ? input.value : "";
  text.required = input.required;
  text.value = showBe(fromIso(input.value));
  text.setAttribute("data-be-date", "");
  text.addEventListener("input", () => {
    const date = parseBe(text.value);
    text.dataset.iso = date ? toIso(date) : "";
    text.setCustomValidity(date || (!text.value && !text.required) ? "" : w.bad);
  });
  text.addEventListener("change", () => {
    const date = parseBe(text.value);
    if (date) text.value = showBe(date);
  });
  const field = document.createElement("span");
  field.className = "be-field";
  const open = document.createElement("button");
  open.type = "button";
  open.className = "be-open";
  open.setAttribute("aria-label", w.open);
  open.title = w.open;
  open.append(calendarIcon());
  field.append(text, open);
  const form = input.form;
  input.replaceWith(field);
  const box = buildCalendar(field, text, w);
  if (form && !form.dataset.beDates) {
    form.dataset.beDates = "1";
    form.addEventListener("formdata", (event) => {
      form.querySelectorAll("[data-be-date]").forEach((field) => {
        if (field.name) event.formData.set(field.name, field.dataset.iso || "");
      });
    });
  }
  open.addEventListener("click", (event) => {
    event.preventDefault();  // inside a <label>: do not also focus the text field
    box.toggle();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll('input[type="date"]').forEach(enhance);
});
