// The projector view: read-only, its own channel; it never receives notes or private answers.
// A full-screen presentation: everything fits the window (text that would not is shrunk,
// answers that would not are paged, and the pages come round by themselves).
import { checkinResult, clear, connect, el, show, strings, timer } from "./live.js";

const t = strings();
const $ = (id) => document.getElementById(id);
const root = $("display");
const screens = [...root.querySelectorAll("[data-screen]")];
const setTimer = timer($("timer"), t);
const PAGE_SECONDS = 12;
const MIN_FONT_PX = 11;

function screenFor(st) {
  if (st.phase === "ended") return "ended";
  if (st.phase === "connect") return "checkin";
  if (st.phase === "reflect") return "card";
  if (st.phase === "grow") return st.checkin && st.checkin.status === "open" ? "checkin" : "grow";
  return "lobby";
}

const overflows = (node) => node.scrollWidth > node.clientWidth + 1 || node.scrollHeight > node.clientHeight + 1;

// Shrink a box's text until what it holds fits it (never below a readable minimum).
function fit(node) {
  node.style.fontSize = "";
  if (!node.getClientRects().length) return;
  let size = parseFloat(getComputedStyle(node).fontSize);
  while (overflows(node) && size > MIN_FONT_PX) {
    size = Math.max(MIN_FONT_PX, size * 0.9);
    node.style.fontSize = `${size}px`;
  }
}

function shared(list, items) {
  clear(list);
  for (const a of items) {
    const item = el("li", null, "answer");
    item.append(el("p", a.text, "answer-text"));
    const meta = [a.author ? `— ${a.author}` : "", a.resonates ? t("resonates-count", { n: a.resonates }) : ""].filter(Boolean);
    if (meta.length) item.append(el("p", meta.join(" · "), "muted"));
    list.append(item);
  }
}

// Answers in pages that fit the list's box: [first, end) per page. An answer too long for
// the box on its own is set smaller until it fits (the others keep their size).
function paginate(list) {
  const items = [...list.children];
  for (const item of items) item.style.fontSize = "";
  const pages = [];
  let start = 0;
  while (start < items.length) {
    items.forEach((item, i) => { item.hidden = i < start; });
    const limit = list.getBoundingClientRect().bottom + 0.5;
    let end = start;
    while (end < items.length && items[end].getBoundingClientRect().bottom <= limit) end += 1;
    if (end === start) {
      const item = items[start];
      const size = parseFloat(getComputedStyle(item).fontSize);
      if (size > MIN_FONT_PX) { item.style.fontSize = `${Math.max(MIN_FONT_PX, size * 0.9)}px`; continue; }
      end = start + 1; // as small as it gets: shown alone
    }
    pages.push([start, end]);
    start = end;
  }
  return pages.length ? pages : [[0, items.length]];
}

// One paged list: which page is shown, turned every PAGE_SECONDS; newly revealed
// answers bring their page (the last) on screen.
function pager(list, note) {
  let pages = [[0, 0]];
  let page = 0;
  let count = 0;
  const showPage = () => {
    const [first, end] = pages[page] || [0, 0];
    [...list.children].forEach((item, i) => { item.hidden = i < first || i >= end; });
    show(note, pages.length > 1);
    note.textContent = t("page", { n: page + 1, total: pages.length });
  };
  setInterval(() => {
    if (pages.length < 2 || !list.getClientRects().length) return;
    page = (page + 1) % pages.length;
    showPage();
  }, PAGE_SECONDS * 1000);
  return (items) => {
    const more = items.length > count;
    count = items.length;
    shared(list, items);
    show(note, false);
    if (!list.getClientRects().length) return;
    pages = paginate(list);
    if (pages.length > 1) {
      // the page note takes room of its own: the pages are cut again with it shown
      note.textContent = t("page", { n: pages.length, total: pages.length });
      show(note, true);
      pages = paginate(list);
    }
    page = more ? pages.length - 1 : Math.min(page, pages.length - 1);
    showPage();
  };
}

const revealed = pager($("revealed"), $("revealed-page"));
const takeaways = pager($("takeaways"), $("takeaways-page"));

let last = null;
window.addEventListener("resize", () => { if (last) render(last); });

function counted(c) {
  return c ? t("answered-passed", { answered: c.answered, passed: c.passed ?? 0 }) : "";
}

function render(st) {
  last = st;
  const screen = screenFor(st);
  root.dataset.showing = screen;
  for (const s of screens) show(s, s.dataset.screen === screen);
  $("join-code").textContent = st.join?.code || "—";
  show($("join-box"), Boolean(st.join?.code));
  $("counts").textContent = t("present", { n: st.counts.present });
  const inGrow = screen === "grow";
  if (st.checkin) {
    const title = $("checkin-title");
    title.textContent = st.checkin.kind === "closing" ? title.dataset.closing : title.dataset.opening;
    $("checkin-count").textContent = counted(st.checkin);
    // in the grow phase a closed round's results are shown with the takeaways
    $("grow-checkin-count").textContent = inGrow ? counted(st.checkin) : "";
    checkinResult($(inGrow ? "grow-checkin-result" : "checkin-result"), st.checkin, st.checkin.scale_labels || [], t);
    clear($(inGrow ? "checkin-result" : "grow-checkin-result"));
  }
  const withCheckin = inGrow && st.checkin?.status === "closed";
  show($("grow-checkin"), withCheckin);
  $("grow-checkin").parentElement.classList.toggle("with-checkin", withCheckin);
  if (st.card) {
    $("card-meta").textContent = `${t("card-of", { n: st.card.position + 1, total: st.card.total })} · ${st.card.perspective_label}`;
    $("card-text").textContent = st.card.text;
    $("card-followup").textContent = st.card.followup || "";
    $("card-text").lang = st.card.lang; // another language's, when not translated yet
    $("card-followup").lang = st.card.followup_lang || st.card.lang;
    $("card-count").textContent = counted(st.counts.card);
    setTimer(st.timer_ends_at, st.server_now);
  }
  $("card-block").classList.toggle("alone", !st.revealed.length);
  for (const node of root.querySelectorAll(".fit-line, .fit-box")) fit(node);
  revealed(st.revealed);
  takeaways(st.takeaways);
}

// A washed-out projector: white on black, kept for this screen.
const contrast = $("contrast");
function setContrast(on) {
  document.documentElement.classList.toggle("high-contrast", on);
  contrast.setAttribute("aria-pressed", String(on));
  try { localStorage.setItem("reflect:contrast", on ? "1" : ""); } catch { /* kept for this page only */ }
}
let stored = "";
try { stored = localStorage.getItem("reflect:contrast") || ""; } catch { stored = ""; }
setContrast(new URLSearchParams(window.location.search).get("contrast") === "high" || stored === "1");
contrast.addEventListener("click", () => {
  setContrast(contrast.getAttribute("aria-pressed") !== "true");
  if (last) render(last);
});

connect("/display", {
  auth: { session: Number(root.dataset.session), key: root.dataset.key, lang: root.dataset.lang },
  room: Number(root.dataset.session),
  onStatus: (online) => { $("connection").textContent = online ? "" : t("disconnected"); },
  onState: render,
});

// Presenting from the console (one screen): the control bar's own module.
if ($("present-bar")) import("./present.js");
