// The projector view: read-only, its own channel; it never receives notes or private answers.
import { checkinResult, clear, connect, el, show, strings, timer } from "./live.js";

const t = strings();
const $ = (id) => document.getElementById(id);
const root = $("display");
const screens = [...document.querySelectorAll("[data-screen]")];
const setTimer = timer($("timer"), t);

function screenFor(st) {
  if (st.phase === "ended") return "ended";
  if (st.phase === "connect") return "checkin";
  if (st.phase === "reflect") return "card";
  if (st.phase === "grow") return st.checkin && st.checkin.status === "open" ? "checkin" : "grow";
  return "lobby";
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

// A room's answers in as many columns as the projector is wide: when they do not all fit
// on the screen, the newest (the last revealed) are shown, and how many more there are.
function fit(list, more) {
  let hidden = 0;
  const over = () => list.lastElementChild && list.lastElementChild.getBoundingClientRect().bottom > window.innerHeight;
  show(more, false);
  if (list.offsetParent === null || !over()) return;
  show(more, true);
  while (list.childElementCount > 1 && over()) {
    list.firstElementChild.remove();
    hidden += 1;
    more.textContent = t("more", { n: hidden });
  }
}

let last = null;
window.addEventListener("resize", () => { if (last) render(last); });

function render(st) {
  last = st;
  const screen = screenFor(st);
  for (const s of screens) show(s, s.dataset.screen === screen);
  $("join-code").textContent = st.join?.code || "—";
  show($("join-box"), Boolean(st.join?.code));
  $("counts").textContent = t("present", { n: st.counts.present });
  if (st.checkin) {
    const title = $("checkin-title");
    title.textContent = st.checkin.kind === "closing" ? title.dataset.closing : title.dataset.opening;
    $("checkin-count").textContent = t("checked-in", { n: st.checkin.answered });
    // in the grow phase a closed round's results are shown with the takeaways
    const inGrow = screen === "grow";
    $("grow-checkin-count").textContent = inGrow ? t("checked-in", { n: st.checkin.answered }) : "";
    checkinResult($(inGrow ? "grow-checkin-result" : "checkin-result"), st.checkin, st.checkin.scale_labels || [], t);
    clear($(inGrow ? "checkin-result" : "grow-checkin-result"));
  }
  show($("grow-checkin"), screen === "grow" && st.checkin?.status === "closed");
  if (st.card) {
    $("card-meta").textContent = `${t("card-of", { n: st.card.position + 1, total: st.card.total })} · ${st.card.perspective_label}`;
    $("card-text").textContent = st.card.text;
    $("card-followup").textContent = st.card.followup || "";
    $("card-text").lang = st.card.lang; // another language's, when not translated yet
    $("card-followup").lang = st.card.followup_lang || st.card.lang;
    $("card-count").textContent = st.counts.card ? t("answered", { n: st.counts.card.answered }) : "";
    setTimer(st.timer_ends_at, st.server_now);
  }
  shared($("revealed"), st.revealed);
  shared($("takeaways"), st.takeaways);
  fit($("revealed"), $("revealed-more"));
  fit($("takeaways"), $("takeaways-more"));
}

connect("/display", {
  auth: { session: Number(root.dataset.session), key: root.dataset.key, lang: root.dataset.lang },
  room: Number(root.dataset.session),
  onStatus: (online) => { $("connection").textContent = online ? "" : t("disconnected"); },
  onState: render,
});
