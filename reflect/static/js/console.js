// The facilitator's console: phases, people, check-ins, cards, answers, notes.
import { checkinResult, clear, commandId, connect, el, highlighted, show, strings, timer } from "./live.js";

const t = strings();
const $ = (id) => document.getElementById(id);
const root = $("console");
const sessionId = Number(root.dataset.session);
let st = null;
let lastCardId = null;
let noteId = commandId();
let noteTimer = null; // a save waiting for the typing to pause
let savesPending = 0; // note saves sent and not yet answered
let leaving = false; // the session ended: to the summary once the notes are saved
let lastPhase = null;
const setTimer = timer($("timer"), t);

const conn = connect("/facilitator", {
  auth: { session: sessionId },
  room: sessionId,
  onStatus: (online) => { $("connection").textContent = online ? t("connected") : t("disconnected"); },
  // A partial state (presence, answers counted, hands) carries only what changed: the
  // rest (the card list, the notes, the tags, ...) stays as the last state had it, and
  // its counts are merged into the last counts.
  onState: (state) => {
    if (state.partial && !st) return; // the full snapshot is on its way
    st = state.partial ? { ...st, ...state, counts: { ...st.counts, ...state.counts } } : state;
    render();
  },
  events: { signed_out: () => window.location.reload() },
});

// A refused command (or one never answered) changed nothing: the controls the facilitator
// used (the lock, names, the card picker) show the last state again, and why it failed is
// said in its own alert, cleared by the next command that succeeds.
async function command(event, payload) {
  const reply = await conn.send(event, payload);
  if (reply?.ok) {
    $("command-error").textContent = "";
  } else {
    $("command-error").textContent = reply?.error?.message || t("not-sent");
    render();
  }
  return reply;
}

function personName(p) {
  return p.name || t("guest", { n: p.number });
}

function render() {
  if (!st) return;
  if (st.phase === "ended") { toSummary(); return; }
  $("phase-name").textContent = t(`phase-${st.phase}`);
  for (const button of document.querySelectorAll(".phase-button")) {
    const current = button.dataset.phase === st.phase;
    button.setAttribute("aria-current", current ? "step" : "false");
    button.classList.toggle("primary", current);
  }
  for (const block of document.querySelectorAll("[data-when]")) show(block, block.dataset.when.split(" ").includes(st.phase));
  $("join-code").textContent = st.join_code || "—";
  if (st.phase !== lastPhase) {
    $("joining").open = st.phase === "lobby"; // the code stays one click away
    lastPhase = st.phase;
  }
  $("lock-room").checked = st.locked;
  $("allow-names").checked = st.allow_names;
  renderPeople();
  renderCheckin();
  renderCard();
  renderAnswers($("answers"), st.answers, st.card?.id ?? null);
  renderAnswers($("takeaways"), st.takeaways, null);
  const tc = st.takeaway_counts;
  $("takeaway-counts").textContent = t("answered", { answered: tc.answered, passed: tc.passed });
  renderTags();
  renderNotes();
}

function personButton(label, p, onClick) {
  const button = el("button", label, "small");
  button.type = "button";
  button.setAttribute("aria-label", `${label}: ${personName(p)}`);
  button.addEventListener("click", onClick);
  return button;
}

function renderPeople() {
  const c = st.counts;
  $("people-count").textContent = t("present", { present: c.present, reconnecting: c.reconnecting, waiting: c.waiting });
  const people = clear($("people"));
  const waiting = clear($("waiting"));
  const byId = new Map(st.participants.map((p) => [p.id, p]));
  for (const p of st.participants) {
    const item = el("li", `${personName(p)} — ${t(p.status === "reconnecting" ? "reconnecting" : p.status)}`);
    item.classList.add(`status-${p.status}`);
    if (p.duplicate) item.append(" ", el("strong", t("duplicate"), "duplicate"));
    if (p.claims) {
      // a second device chose a roster name already held here: the same person, or not
      const held = byId.get(p.claims);
      item.append(el("span", ` ${t("claims", { name: held ? personName(held) : personName(p) })} `, "claim-note"));
      item.append(personButton(t("same-person"), p, () => command("claim", { participant: p.id, same: true })), " ",
        personButton(t("refuse"), p, () => command("claim", { participant: p.id, same: false })));
      waiting.append(item);
    } else if (p.status === "waiting") {
      item.append(" ", personButton(t("admit"), p, () => command("admit", { participant: p.id })));
      // turning someone away is not undone: asked first, like removing someone
      item.append(" ", personButton(t("turn-away"), p, () => {
        if (window.confirm(t("confirm-turn-away", { name: personName(p) }))) command("remove", { participant: p.id });
      }));
      waiting.append(item);
    } else {
      item.append(" ", personButton(t("remove"), p, () => {
        if (window.confirm(t("confirm-remove", { name: personName(p) }))) command("remove", { participant: p.id });
      }));
      people.append(item);
    }
  }
  // people removed (or turned away) by mistake can be let back in
  const removed = clear($("removed"));
  for (const p of st.removed || []) {
    const item = el("li", personName(p));
    item.append(" ", personButton(t("let-back"), p, () => command("admit", { participant: p.id })));
    removed.append(item);
  }
  show($("removed-box"), removed.childElementCount > 0);
  show($("waiting-box"), waiting.childElementCount > 0);
  const hands = clear($("hands"));
  for (const p of st.hands) {
    const item = el("li", personName(p));
    const lower = el("button", t("lower"), "small");
    lower.type = "button";
    lower.setAttribute("aria-label", `${t("lower")}: ${personName(p)}`);
    lower.addEventListener("click", () => command("lower_hand", { participant: p.id }));
    item.append(" ", lower);
    hands.append(item);
  }
  const talk = clear($("talk-after"));
  for (const p of st.talk_after) talk.append(el("li", personName(p)));
}

function checkinKind() {
  return st.phase === "grow" ? "closing" : "opening";
}

function renderCheckin() {
  const kind = checkinKind();
  const result = st.checkins[kind];
  $("checkin-title").textContent = t(kind);
  const toggle = $("checkin-toggle");
  // a round whose figures were shown stays closed (the server refuses to reopen it: a
  // late answer would be the difference)
  show(toggle, !(result && result.status === "closed" && result.shown));
  if (!result) {
    toggle.textContent = t("open-checkin");
    $("checkin-count").textContent = "";
    clear($("checkin-result"));
    return;
  }
  toggle.textContent = result.status === "open" ? t("close-checkin") : t("reopen-checkin");
  $("checkin-count").textContent = t("answered", { answered: result.answered, passed: result.passed ?? 0 });
  const target = $("checkin-result");
  if (result.status === "open") { clear(target).append(el("p", t("not-yet", { n: st.min_group_size }))); return; }
  if (!result.shown) { clear(target).append(el("p", t("too-few", { n: st.min_group_size }))); return; }
  checkinResult(target, result, result.scale_labels || result.scales.map((slug) => ({ slug, question: slug, low: "1", high: "5" })), t,
    result.min_group_size ?? st.min_group_size);
  // words of their own (where allowed) come to the facilitator only, never in the aggregate
  if (result.free_words?.length) target.append(el("p", `${t("free-words")}: ${result.free_words.join(", ")}`, "muted"));
}

function renderCard() {
  const card = st.card;
  const select = $("jump-card");
  if (select.options.length !== st.cards.length) {
    clear(select);
    st.cards.forEach((c) => select.append(new Option(`${c.position + 1}. ${c.text.slice(0, 60)}`, String(c.position))));
  }
  if (!card) return;
  select.value = String(card.position);
  const box = clear($("current-card"));
  box.append(el("p", `${t("card-of", { n: card.position + 1, total: card.total })} · ${card.perspective_label}`, "muted"));
  // a card shown in another language (no translation yet) is read in that language
  const text = el("p", card.text, "card-text");
  text.lang = card.lang;
  box.append(text);
  if (card.followup) {
    const followup = el("p", card.followup, "card-followup");
    followup.lang = card.followup_lang || card.lang;
    box.append(followup);
  }
  if (card.fallback) box.append(el("p", t("fallback", { lang: t(`lang-${card.lang}`) }), "muted"));
  $("prev-card").disabled = card.position === 0;
  $("next-card").disabled = card.position === card.total - 1;
  setTimer(st.timer_ends_at, st.server_now);
  const counts = st.counts.card || { answered: 0, passed: 0 };
  $("answer-counts").textContent = t("answered", counts);
  if (card.id !== lastCardId) { lastCardId = card.id; box.focus(); }
}

// Each answer with what the facilitator may do with it: an answer shared despite the
// identifier guard's warning shows the flagged words and is held back from "reveal all"
// until approved; any shared answer can be revealed on its own, and hidden after.
function renderAnswers(list, answers, cardId) {
  clear(list);
  if (!answers.length) { list.append(el("li", t("no-answers"), "muted")); return; }
  for (const a of answers) {
    const held = a.flagged && !a.approved && !a.revealed;
    const item = el("li", null, `answer${a.hidden ? " is-hidden" : ""}${a.flagged ? " is-flagged" : ""}`);
    const text = el("p", null, "answer-text guard-text");
    if (a.flagged) highlighted(text, a.text, a.flagged); else text.textContent = a.text;
    item.append(text);
    if (a.flagged) item.append(el("p", held ? t("held-back") : t("flagged"), "flag-note"));
    const meta = [a.audience === "group" ? t("to-group") : t("to-me"), a.author || t("anonymous")];
    if (a.revealed) meta.push(t("revealed"));
    if (a.hidden) meta.push(t("hidden-label"));
    if (a.resonates) meta.push(t("resonates", { n: a.resonates }));
    item.append(el("p", meta.join(" · "), "muted"));
    if (a.audience === "group") {
      const row = el("div", null, "button-row");
      if (held) row.append(smallButton(t("approve"), () => command("approve", { answer: a.id, approved: true })));
      if (!a.revealed && !a.hidden) row.append(smallButton(t("reveal-one"), () => command("reveal", { card: cardId, answer: a.id })));
      row.append(smallButton(a.hidden ? t("unhide") : t("hide"), () => command("hide", { answer: a.id, hidden: !a.hidden })));
      item.append(row);
    }
    list.append(item);
  }
}

function smallButton(label, onClick) {
  const button = el("button", label, "small");
  button.type = "button";
  button.addEventListener("click", onClick);
  return button;
}

// --- notes (saved as you type) -------------------------------------------------------------
function selectedTags() {
  return [...document.querySelectorAll("#note-tags input:checked")].map((i) => Number(i.value));
}

// The tags by category (in the vocabulary's order, the facilitator's own last), each
// category sorted by name; typing in the filter shows only the tags that match.
const GROUPS = ["elements", "tasks", "stance", "levels", "care", "equity", "session", "", "own"];
function renderTags() {
  const box = $("note-tags");
  const checked = new Set(selectedTags());
  const key = st.tags.map((tag) => `${tag.id}:${tag.label}`).join("|");
  if (box.dataset.key === key) return;
  box.dataset.key = key;
  clear(box);
  const collator = new Intl.Collator(document.documentElement.lang);
  for (const group of GROUPS) {
    const tags = st.tags.filter((tag) => (tag.group || "") === group).sort((a, b) => collator.compare(a.label, b.label));
    if (!tags.length) continue;
    const section = el("div", null, "tag-group");
    const title = document.getElementById("i18n").dataset[`group${group.charAt(0).toUpperCase()}${group.slice(1)}`];
    if (title) section.append(el("p", title, "tag-group-title"));
    for (const tag of tags) {
      const id = `tag-${tag.id}`;
      const wrap = el("div", null, "check-field");
      wrap.dataset.label = tag.label.toLocaleLowerCase();
      const input = document.createElement("input");
      input.type = "checkbox";
      input.id = id;
      input.value = String(tag.id);
      input.checked = checked.has(tag.id);
      input.addEventListener("change", scheduleSave);
      const label = el("label", tag.label);
      label.htmlFor = id;
      wrap.append(input, label);
      section.append(wrap);
    }
    box.append(section);
  }
  filterTags();
}

function filterTags() {
  const words = $("tag-filter").value.trim().toLocaleLowerCase();
  for (const section of $("note-tags").children) {
    let any = false;
    for (const field of section.querySelectorAll(".check-field")) {
      const match = !words || field.dataset.label.includes(words) || field.querySelector("input").checked;
      show(field, match);
      any ||= match;
    }
    show(section, any);
  }
}
$("tag-filter").addEventListener("input", filterTags);

function renderNotes() {
  const list = clear($("notes"));
  for (const note of st.notes) {
    const where = t("note-at", { phase: t(`phase-${note.phase}`), card: note.card_position === null ? "—" : note.card_position + 1 });
    const item = el("li", null, note.client_id === noteId ? "current-note" : "");
    item.append(el("p", note.text || "", "note-text"), el("p", where, "muted"));
    const edit = el("button", t("edit"), "small");
    edit.type = "button";
    edit.setAttribute("aria-label", `${t("edit")}: ${where}`);
    edit.addEventListener("click", () => loadNote(note));
    const remove = el("button", t("delete-note"), "small");
    remove.type = "button";
    remove.setAttribute("aria-label", `${t("delete-note")}: ${where}`);
    remove.addEventListener("click", () => deleteNote(note));
    item.append(edit, " ", remove);
    list.append(item);
  }
}

// What was typed is sent at once, not after the pause, before another note is shown
// or the page is left.
function flushNote() {
  if (noteTimer === null) return;
  clearTimeout(noteTimer);
  saveNote();
}

function toSummary() {
  leaving = true;
  flushNote();
  if (!savesPending) window.location.assign(document.getElementById("i18n").dataset.summaryUrl);
}

// ``keep`` false: what was pending for the note is dropped (it is being deleted).
function newNote(keep = true) {
  if (keep) flushNote();
  clearTimeout(noteTimer);
  noteTimer = null;
  noteId = commandId();
  $("note-text").value = "";
  $("note-share").checked = false;
  for (const input of document.querySelectorAll("#note-tags input")) input.checked = false;
  $("note-status").textContent = "";
  show($("note-warning"), false);
  confirmed = null;
}

async function deleteNote(note) {
  if (!window.confirm(t("confirm-delete-note"))) return;
  if (note.client_id === noteId) newNote(false); // nothing pending for it is saved again
  const reply = await conn.send("note_delete", { note: note.client_id }, false);
  $("note-status").textContent = reply?.ok ? t("note-deleted") : (reply?.error?.message || t("not-sent"));
}

function loadNote(note) {
  flushNote();
  noteId = note.client_id;
  $("note-text").value = note.text || "";
  $("note-share").checked = note.shared;
  for (const input of document.querySelectorAll("#note-tags input")) input.checked = note.tags.includes(Number(input.value));
  $("note-text").focus();
}

function scheduleSave() {
  $("note-status").textContent = t("saving");
  clearTimeout(noteTimer);
  noteTimer = setTimeout(saveNote, 700);
}

// A note marked for the supervisor that the identifier guard flags is saved but not
// shared until the facilitator, warned, shares it anyway: for that note and that text
// (an edit afterwards is checked again).
let confirmed = null; // {note, text} shared anyway

function noteValues() {
  const text = $("note-text").value;
  const share = $("note-share").checked;
  const anyway = share && confirmed?.note === noteId && confirmed.text === text;
  return { note: noteId, text, tags: selectedTags(), share, share_anyway: anyway };
}

// The note as it is now (read at once: the form may show another note by the time the
// reply comes). Not answered in time, it is sent again, with what the note then holds.
async function saveNote(values = noteValues()) {
  noteTimer = null;
  // A blank new note is not written; a note already saved is, even blank, so that
  // clearing its text replaces what was there.
  const saved = st?.notes?.some((n) => n.client_id === values.note);
  if (!values.text.trim() && !values.tags.length && !saved) {
    if (values.note === noteId) $("note-status").textContent = "";
    return;
  }
  savesPending += 1;
  let reply = await conn.send("note_save", values, false);
  while (!reply?.ok && ["timeout", "rate_limited"].includes(reply?.error?.code)) {
    if (values.note === noteId) $("note-status").textContent = t("save-failed");
    await new Promise((resolve) => { setTimeout(resolve, 3000); });
    if (values.note === noteId) values = noteValues();
    reply = await conn.send("note_save", values, false);
  }
  savesPending -= 1;
  if (values.note === noteId) {
    $("note-status").textContent = reply?.ok ? t("saved") : (reply?.error?.message || t("save-failed"));
    const held = Boolean(reply?.held);
    if (held) highlighted($("note-warning-text"), values.text, reply.identifiers.spans);
    show($("note-warning"), held);
    if (held) $("note-status").textContent = t("not-shared");
  }
  if (leaving) toSummary();
}

// Leaving (or reloading) the console while a note is not saved yet: it is sent now, and
// the browser asks whether to leave.
window.addEventListener("beforeunload", (event) => {
  flushNote();
  if (savesPending) {
    event.preventDefault();
    event.returnValue = "";
  }
});

$("note-text").addEventListener("input", scheduleSave);
// ticking "share" is checked at once: a warning comes before anything is shared
$("note-share").addEventListener("change", () => { scheduleSave(); flushNote(); });
$("note-share-anyway").addEventListener("click", () => {
  confirmed = { note: noteId, text: $("note-text").value };
  show($("note-warning"), false);
  scheduleSave();
  flushNote();
});
$("note-keep-private").addEventListener("click", () => {
  $("note-share").checked = false;
  show($("note-warning"), false);
  scheduleSave();
  flushNote();
});
// A note typed before this module ran (a slow laptop) is saved as if typed now. The box
// is never refilled by the browser on a reload (autocomplete="off"): what it holds was typed.
if ($("note-text").value.trim()) scheduleSave();
$("new-note").addEventListener("click", () => {
  newNote();
  $("note-text").focus();
});
$("add-tag").addEventListener("click", async () => {
  const label = $("new-tag").value.trim();
  if (!label) return;
  const reply = await conn.send("tag_add", { label }, false);
  // the console's new state (with the tag) comes before this reply: what was typed
  // meanwhile, the next tag, stays
  if (reply?.ok && $("new-tag").value.trim() === label) $("new-tag").value = "";
});

// --- controls ------------------------------------------------------------------------------
for (const button of document.querySelectorAll(".phase-button")) {
  button.addEventListener("click", () => command("phase", { to: button.dataset.phase }));
}
$("end-session").addEventListener("click", () => {
  if (!window.confirm(t("confirm-end"))) return;
  flushNote(); // saved before the session ends
  command("phase", { to: "ended" });
});
$("lock-room").addEventListener("change", (e) => command("lock", { value: e.target.checked }));
$("allow-names").addEventListener("change", (e) => command("allow_names", { value: e.target.checked }));
$("checkin-toggle").addEventListener("click", () => {
  const result = st.checkins[checkinKind()];
  command("checkin_control", { kind: checkinKind(), open: !result || result.status !== "open" });
});
// To the card before or after the one shown, by position: clicks made offline (or before
// the last move's state came) go to that card once, not one card further each.
$("prev-card").addEventListener("click", () => command("card", { action: "jump", position: st.card.position - 1 }));
$("next-card").addEventListener("click", () => command("card", { action: "jump", position: st.card.position + 1 }));
$("jump-card").addEventListener("change", (e) => command("card", { action: "jump", position: Number(e.target.value) }));
for (const button of document.querySelectorAll(".timer-button")) {
  button.addEventListener("click", () => command("timer", { seconds: Number(button.dataset.seconds) }));
}
$("timer-stop").addEventListener("click", () => command("timer", { seconds: null }));
$("reveal-answers").addEventListener("click", () => command("reveal", { card: st.card.id }));
$("reveal-takeaways").addEventListener("click", () => command("reveal", { card: null }));

// --- keyboard shortcuts (listed in the help dialog) ----------------------------------------
const typing = (target) => Boolean(target.closest?.("input, textarea, select, [contenteditable], dialog"));
function shortcut(event) {
  if (event.altKey || event.ctrlKey || event.metaKey || !st || typing(event.target)) return;
  if (event.key === "?") { $("shortcuts").showModal(); event.preventDefault(); return; }
  const key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
  const click = (id) => { const button = $(id); if (button.getClientRects().length && !button.disabled) button.click(); };
  if (key === "n" || key === "ArrowRight") click("next-card");
  else if (key === "p" || key === "ArrowLeft") click("prev-card");
  else if (key === "r") click(st.phase === "grow" ? "reveal-takeaways" : "reveal-answers");
  else if (key === "t" && st.phase === "reflect") command("timer", { seconds: st.timer_ends_at ? null : 120 });
  else return;
  event.preventDefault();
}
document.addEventListener("keydown", shortcut);
$("shortcuts-open").addEventListener("click", () => $("shortcuts").showModal());

// --- the join link --------------------------------------------------------------------------
$("copy-join-link")?.addEventListener("click", async () => {
  const input = $("join-link");
  let copied = false;
  try {
    await navigator.clipboard.writeText(input.value);
    copied = true;
  } catch {
    // no clipboard API (a page served over plain HTTP on a network): the selection's copy
    input.select();
    try { copied = document.execCommand("copy"); } catch { copied = false; }
  }
  $("copy-status").textContent = copied ? t("copied") : t("copy-failed");
});
