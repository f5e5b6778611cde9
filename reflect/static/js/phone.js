// The participant's phone: check-in, the current card, answers, takeaways, signals.
import { checkinResult, clear, commandId, connect, el, highlighted, show, strings, timer } from "./live.js";

const t = strings();
const $ = (id) => document.getElementById(id);
const screens = [...document.querySelectorAll("[data-screen]")];
const signals = document.querySelector("[data-screen-signals]");
let pub = null;
let me = null;
let lastCardId = null;
let lastScreen = null;
let seen = { revealed: null, takeaways: null, result: null };
const setTimer = timer($("timer"), t);

// What was typed and not yet acknowledged outlives a reload of this tab (the language
// switch, pull-to-refresh, an old phone discarding a background tab), never the tab:
// sessionStorage only, keyed by session, and cleared when the session ends or is left.
// Keys: "draft:<card id>", "takeaway", "pending" (commands sent and not acknowledged).
const sessionKey = `reflect:${$("phone").dataset.session}:`;
const store = {
  get(name) {
    try { return JSON.parse(sessionStorage.getItem(sessionKey + name)); } catch { return null; }
  },
  set(name, value) {
    try {
      if (value === null || value === "") sessionStorage.removeItem(sessionKey + name);
      else sessionStorage.setItem(sessionKey + name, JSON.stringify(value));
    } catch { /* storage off or full: kept on the page only */ }
  },
  clear() {
    try {
      for (const key of Object.keys(sessionStorage)) if (key.startsWith(sessionKey)) sessionStorage.removeItem(key);
    } catch { /* nothing was kept */ }
  },
};
// What this phone sent anonymously, so that its author can reread it: kept on this device
// only (localStorage), for this session only (cleared when it ends or is left). The server
// never sends an anonymous answer back with its author.
const mineKey = `${sessionKey}mine`;
const mine = {
  all() {
    try { return JSON.parse(localStorage.getItem(mineKey)) || []; } catch { return []; }
  },
  add(card, text) { // once, even when a retried command is acknowledged again
    const kept = mine.all();
    if (kept.some((m) => m.card === card && m.text === text)) return;
    try { localStorage.setItem(mineKey, JSON.stringify([...kept, { card, text }])); } catch { /* not kept */ }
  },
  clear() {
    try { localStorage.removeItem(mineKey); } catch { /* nothing kept */ }
  },
};
function listMine(list, card) {
  clear(list);
  for (const item of mine.all().filter((m) => m.card === card)) list.append(el("li", t("you-sent", { text: item.text }), "mine"));
}

// Commands sent and not acknowledged: {event, payload, cid}. After a reload they are sent
// again with the same id (the server applies an id once); a command sent again unchanged
// after a timeout keeps its id too.
let pending = (store.get("pending") || []).map(({ event, payload, cid }) => ({ event, payload, cid }));
const keepPending = () => store.set("pending", pending.length ? pending : null);

function status(online) {
  $("connection").textContent = online ? "" : t("disconnected");
  $("connection").classList.toggle("offline", !online);
}

// One polite announcement at a time, for what changes on the screen without the person
// doing anything (a new card, answers revealed, results shown). Cleared first, so the
// same words said twice are announced twice.
function announce(text) {
  const box = $("announcer");
  box.textContent = "";
  window.setTimeout(() => { box.textContent = text; }, 50);
}

// When what had the focus was hidden (the form just sent, the screen changed), the focus
// goes to what is shown now (its [data-focus] element, else its heading), so a keyboard
// or screen-reader user is not left on the page's body.
let lastFocused = null;
document.addEventListener("focusin", (event) => { lastFocused = event.target; });

const visible = (node) => Boolean(node?.isConnected && node.getClientRects().length);

function keepFocus(screen) {
  const active = document.activeElement;
  if (active && active !== document.body) {
    if (visible(active)) return;
  } else if (!lastFocused || visible(lastFocused)) {
    return;
  }
  const section = screens.find((s) => s.dataset.screen === screen);
  const target = section?.querySelector("[data-focus]") || section?.querySelector("h2");
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus();
}

function screenFor() {
  if (!pub || !me) return null;
  if (me.status === "removed") return "removed";
  if (pub.phase === "ended") return "ended";
  if (me.status === "waiting") return "waiting";
  if (pub.phase === "connect") return "checkin";
  if (pub.phase === "reflect") return "card";
  if (pub.phase === "grow") return pub.checkin && pub.checkin.status === "open" && !me.checked_in.closing ? "checkin" : "grow";
  return "lobby";
}

function render() {
  const screen = screenFor();
  if (screen === "ended") { store.clear(); mine.clear(); pending = []; }
  for (const s of screens) show(s, s.dataset.screen === screen);
  show(signals, ["lobby", "checkin", "card", "grow"].includes(screen));
  if (!screen) return;
  $("hand").setAttribute("aria-pressed", String(me.hand_raised));
  $("hand").textContent = me.hand_raised ? t("hand-up") : t("hand-down");
  $("talk-after").setAttribute("aria-pressed", String(me.talk_after));
  if (screen === "checkin" || (pub.phase === "grow" && pub.checkin)) renderCheckin(screen);
  else show($("grow-checkin"), false);
  if (screen === "card") renderCard();
  if (screen === "grow") renderGrow();
  if (screen !== lastScreen) {
    const heading = screens.find((s) => s.dataset.screen === screen)?.querySelector("h2:not(.visually-hidden)");
    if (lastScreen !== null && screen !== "card" && heading) announce(heading.textContent);
    lastScreen = screen;
  }
  keepFocus(screen);
}

// In the grow phase the closing check-in's results, once closed, are shown under the
// takeaway (the grow screen), not on the check-in screen, which is shown only while the
// round is open.
function renderCheckin(screen) {
  const c = pub.checkin;
  if (!c) return;
  const heading = $("checkin-heading");
  heading.textContent = c.kind === "closing" ? heading.dataset.closing : heading.dataset.opening;
  const done = me.checked_in[c.kind];
  show($("checkin-form"), c.status === "open" && !done);
  show($("checkin-done"), done);
  const inGrow = screen === "grow";
  show($("grow-checkin"), inGrow && c.status === "closed");
  // The count is shown once the round is closed: phones are sent a state when it closes,
  // not at every check-in (that would be a broadcast to every phone per check-in), so
  // while it is open the count would stay at what it was when the phone last had a state.
  const count = c.status === "closed" ? t("answered-passed", { answered: c.answered, passed: c.passed ?? 0 }) : "";
  $("checkin-count").textContent = inGrow ? "" : count;
  $("grow-checkin-count").textContent = inGrow ? count : "";
  checkinResult($(inGrow ? "grow-checkin-result" : "checkin-result"), c, c.scale_labels || [], t);
  clear($(inGrow ? "checkin-result" : "grow-checkin-result"));
  const result = `${c.kind}:${c.status}`;
  if (seen.result !== null && result !== seen.result && c.status === "closed") announce(t("results-shown"));
  seen.result = result;
}

function renderCard() {
  const card = pub.card;
  if (!card) return;
  const isNew = card.id !== lastCardId;
  $("card-meta").textContent = `${t("card-of", { n: card.position + 1, total: card.total })} · ${card.perspective_label}`;
  $("card-text").textContent = card.text;
  $("card-followup").textContent = card.followup || "";
  // a card shown in another language (no translation yet) is read in that language
  $("card-text").lang = card.lang;
  $("card-followup").lang = card.followup_lang || card.lang;
  $("card-fallback").textContent = card.fallback ? t("fallback", { lang: t(`lang-${card.lang}`) }) : "";
  show($("card-fallback"), card.fallback);
  setTimer(pub.timer_ends_at, pub.server_now);
  const responded = me.responses[String(card.id)];
  show($("answer-form"), !responded);
  show($("answer-done"), Boolean(responded));
  $("answer-done").textContent = responded === "passed" ? t("passed") : responded ? t("answered") : "";
  show($("naming"), pub.allow_names && Boolean(me.name));
  const mineList = clear($("my-answers"));
  for (const answer of me.named_answers.filter((a) => a.card === card.id)) {
    const item = el("li", answer.text);
    const button = el("button", t("withdraw"), "small");
    button.type = "button";
    button.addEventListener("click", () => command("withdraw", { answer: answer.id }));
    item.append(" ", button);
    mineList.append(item);
  }
  for (const item of mine.all().filter((m) => m.card === card.id)) mineList.append(el("li", t("you-sent", { text: item.text }), "mine"));
  renderShared($("revealed"), pub.revealed);
  show($("revealed-heading"), pub.revealed.length > 0);
  if (isNew) {
    // a draft belongs to its card: kept for it, and never sent to the next one
    if (lastCardId !== null) store.set(`draft:${lastCardId}`, $("answer-text").value);
    $("answer-text").value = store.get(`draft:${card.id}`) ?? (lastCardId === null ? $("answer-text").value : "");
    updateCount();
    if (lastCardId !== null) {
      announce(`${t("new-card")}: ${card.text}`);
      $("card").focus();
    } else if (lastScreen !== null) {
      announce(`${t("card-of", { n: card.position + 1, total: card.total })}: ${card.text}`);
    }
    lastCardId = card.id;
    seen.revealed = pub.revealed.length;
    hideGuard("");
  } else if (pub.revealed.length > (seen.revealed ?? 0)) {
    announce(t("revealed-count", { n: pub.revealed.length }));
  }
  seen.revealed = pub.revealed.length;
}

function renderShared(list, items) {
  clear(list);
  for (const answer of items) {
    const item = el("li", null, "answer");
    item.append(el("p", answer.text, "answer-text"));
    if (answer.author) item.append(el("p", `— ${answer.author}`, "muted"));
    const reacted = me.reacted.includes(answer.id);
    const button = el("button", t("resonates"), "small");
    button.type = "button";
    button.setAttribute("aria-pressed", String(reacted));
    button.disabled = reacted;
    button.addEventListener("click", () => command("react", { answer: answer.id }));
    item.append(button, el("span", ` ${t("resonates-count", { n: answer.resonates })}`, "muted"));
    list.append(item);
  }
}

function renderGrow() {
  show($("takeaway-form"), !me.takeaway_done);
  show($("takeaway-done"), me.takeaway_done && !me.takeaway_passed);
  show($("takeaway-passed"), Boolean(me.takeaway_passed));
  listMine($("my-takeaway"), null);
  renderShared($("takeaways"), pub.takeaways);
  if (seen.takeaways !== null && pub.takeaways.length > seen.takeaways) {
    announce(t("takeaways-count", { n: pub.takeaways.length }));
  }
  seen.takeaways = pub.takeaways.length;
}

function showError(reply) {
  const box = $("error");
  if (reply && !reply.ok && reply.error && reply.error.code !== "identifiers" && !reply.shown) {
    // the server's words are already in the phone's language; a reply that never came
    // (no connection for too long) gets the page's own
    box.textContent = reply.error.message || t("not-sent");
    box.hidden = false;
  } else {
    box.hidden = true;
  }
}

const conn = connect("/phone", {
  room: Number(document.getElementById("phone").dataset.session),
  onStatus: status,
  // a sync's reply older than the state shown (read before a card move, delivered after
  // it) brings this phone's own part only
  onSnapshot: (snap, fresh) => {
    if (fresh || !pub || snap.public.version >= pub.version) { pub = snap.public; conn.setVersion(pub.version); }
    me = snap.me;
    render();
  },
  onState: (state) => { pub = state; render(); },
  events: { signed_out: () => {} },
});

// What a command changed in this phone's own state, when the server says only that (the
// fields it set; a map such as ``responses`` is merged key by key). Applying it twice
// (a retried command) gives the same result.
function applyChanges(changes) {
  for (const [key, value] of Object.entries(changes)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value)) Object.assign(me[key], value);
    else me[key] = value;
  }
}

// Refusals that mean this phone was showing something no longer true: it asks for the
// truth (a snapshot), as after a command that was never answered.
const STALE = new Set(["already_responded", "card_not_current", "checkin_not_open", "not_in_phase", "session_ended", "timeout"]);
// Refusals of an answer or takeaway because the group moved on: the text is given back.
const MOVED_ON = new Set(["card_not_current", "not_in_phase", "session_ended"]);

async function command(event, payload, form = null) {
  // While a command waits for its answer (offline, it waits for the connection), the
  // form's buttons are disabled so that nothing is sent twice.
  const buttons = form ? [...form.querySelectorAll("button")] : [];
  for (const button of buttons) button.disabled = true;
  if (form) form.setAttribute("aria-busy", "true");
  const body = JSON.stringify(payload);
  let entry = pending.find((p) => !p.flying && p.event === event && JSON.stringify(p.payload) === body);
  if (!entry) {
    entry = { event, payload, cid: commandId() };
    pending.push(entry);
    keepPending();
  }
  entry.flying = true;
  const reply = await conn.send(event, { ...payload, cid: entry.cid });
  entry.flying = false;
  if (!["timeout", "busy"].includes(reply?.error?.code)) {
    // answered: it, and any earlier try of the same kind that was never answered, are done
    pending = pending.filter((p) => p !== entry && (p.flying || p.event !== event));
    keepPending();
  }
  for (const button of buttons) button.disabled = false;
  if (form) form.removeAttribute("aria-busy");
  if (reply?.me) me = reply.me;
  if (reply?.me_changes && me) applyChanges(reply.me_changes);
  const code = reply?.error?.code;
  if (reply && MOVED_ON.has(code) && typeof payload.text === "string") {
    $("refused-text").value = payload.text;
    show($("refused"), true);
    reply.shown = true;
  }
  showError(reply);
  render();
  if (reply?.shown) $("refused-text").focus();
  if (STALE.has(code)) conn.sync();
  return reply;
}
$("refused-close").addEventListener("click", () => show($("refused"), false));

// --- check-in ---------------------------------------------------------------------------
$("checkin-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const scores = {};
  for (const input of $("checkin-form").querySelectorAll("input[type=radio]:checked")) scores[input.name] = Number(input.value);
  const feeling = $("feeling").value;
  const own = $("free-word") ? $("free-word").value.trim() : "";
  await command("checkin", { kind: pub.checkin.kind, passed: false, scores, feeling: feeling || null, free_word: own || null },
    $("checkin-form"));
});
$("checkin-pass").addEventListener("click", () => command("checkin", { kind: pub.checkin.kind, passed: true }, $("checkin-form")));

// --- answers, with the identifier guard ---------------------------------------------------
function hideGuard(prefix) {
  show($(`${prefix}guard`), false);
}

function guarded(prefix, textArea, reply) {
  if (reply?.error?.code !== "identifiers") return false;
  highlighted($(`${prefix}guard-text`), textArea.value.trim(), reply.error.spans);
  show($(`${prefix}guard`), true);
  $(`${prefix}guard-edit`).focus();
  return true;
}

// An answer or a takeaway; once acknowledged its draft is forgotten (what was typed
// meanwhile stays).
async function sendText(event, payload) {
  const area = $(`${event}-text`);
  const prefix = event === "answer" ? "" : "t-";
  const draft = event === "answer" ? `draft:${payload.card}` : "takeaway";
  const reply = await command(event, payload, $(`${event}-form`));
  if (!guarded(prefix, area, reply)) hideGuard(prefix);
  if (reply?.ok) {
    if (!reply.me) { // anonymous: kept here, and shown at once
      mine.add(event === "answer" ? payload.card : null, payload.text.trim());
      render();
    }
    const shown = event === "takeaway" || lastCardId === payload.card;
    if (shown && area.value === payload.text) area.value = "";
    if (!shown || !area.value) store.set(draft, null);
  }
  updateCount();
}

function sendAnswer(shareAnyway) {
  const text = $("answer-text").value;
  const audience = document.querySelector("input[name=audience]:checked").value;
  const named = document.querySelector("input[name=named]:checked").value === "yes" && pub.allow_names && Boolean(me.name);
  sendText("answer", { card: pub.card.id, text, audience, named, share_anyway: shareAnyway });
}
$("answer-form").addEventListener("submit", (event) => { event.preventDefault(); sendAnswer(false); });
$("answer-pass").addEventListener("click", () => command("pass", { card: pub.card.id }, $("answer-form")));
$("guard-edit").addEventListener("click", () => { hideGuard(""); $("answer-text").focus(); });
$("guard-share").addEventListener("click", () => sendAnswer(true));

function updateCount() {
  $("answer-count").textContent = t("chars-left", { n: 600 - $("answer-text").value.length });
}
$("answer-text").addEventListener("input", () => {
  updateCount();
  if (lastCardId !== null) store.set(`draft:${lastCardId}`, $("answer-text").value);
});
updateCount();
$("takeaway-text").value = store.get("takeaway") ?? $("takeaway-text").value;
$("takeaway-text").addEventListener("input", () => store.set("takeaway", $("takeaway-text").value));

function sendTakeaway(shareAnyway) {
  const text = $("takeaway-text").value;
  const audience = document.querySelector("input[name=t-audience]:checked").value;
  sendText("takeaway", { text, audience, share_anyway: shareAnyway });
}
$("takeaway-form").addEventListener("submit", (event) => { event.preventDefault(); sendTakeaway(false); });
$("takeaway-pass").addEventListener("click", () => command("takeaway_pass", {}, $("takeaway-form")));
$("t-guard-edit").addEventListener("click", () => { hideGuard("t-"); $("takeaway-text").focus(); });
$("t-guard-share").addEventListener("click", () => sendTakeaway(true));

// --- signals ----------------------------------------------------------------------------
$("hand").addEventListener("click", () => command("hand", { raised: !me.hand_raised }));
$("talk-after").addEventListener("click", () => command("talk_after", { wanted: !me.talk_after }));

// Leaving the session forgets what was kept for it.
document.querySelector(".leave-form").addEventListener("submit", () => { store.clear(); mine.clear(); });

// What was sent before a reload and never acknowledged is sent again, with its own id.
for (const entry of pending) {
  if (entry.event === "answer" || entry.event === "takeaway") sendText(entry.event, entry.payload);
  else command(entry.event, entry.payload, $(`${entry.event}-form`));
}
