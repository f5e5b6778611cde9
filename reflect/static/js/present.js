// Presenting from the console on one screen (a laptop in a video call): the presentation
// fills the window and this small bar moves the cards, reveals, sets the timer and goes
// back to the console. It sends the facilitator's commands and shows nothing of the
// facilitator's state but the card's position: the screen shows only what the projector
// shows (never notes, private answers or "talk after").
import { connect, strings } from "./live.js";

const t = strings();
const $ = (id) => document.getElementById(id);
const bar = $("present-bar");
const sessionId = Number(bar.dataset.session);
let card = null; // {id, position, total} of the card on screen, from the facilitator's state
let phase = null;

const conn = connect("/facilitator", {
  auth: { session: sessionId },
  room: sessionId,
  onStatus: (online) => { $("present-status").textContent = online ? "" : t("disconnected"); },
  onState: (state) => {
    if (state.card !== undefined) card = state.card ? { id: state.card.id, position: state.card.position, total: state.card.total } : null;
    if (state.phase === "ended") window.location.assign(bar.dataset.console);
    $("present-prev").disabled = !card || card.position === 0;
    $("present-next").disabled = !card || card.position === card.total - 1;
    $("present-reveal").disabled = !card && state.phase !== "grow";
    phase = state.phase;
  },
  events: { signed_out: () => window.location.reload() },
});

async function command(event, payload) {
  const reply = await conn.send(event, payload);
  $("present-status").textContent = reply?.ok ? "" : (reply?.error?.message || t("not-sent"));
}

// A clicker pressed twice goes two cards on, even before the first move's state comes.
const move = (step) => {
  if (!card) return;
  const position = card.position + step;
  if (position < 0 || position >= card.total) return;
  card = { ...card, position };
  command("card", { action: "jump", position });
};
const reveal = () => {
  if (phase === "grow") command("reveal", { card: null });
  else if (card) command("reveal", { card: card.id });
};
const startTimer = () => command("timer", { seconds: Number($("present-timer").dataset.seconds) });

$("present-prev").addEventListener("click", () => move(-1));
$("present-next").addEventListener("click", () => move(1));
$("present-reveal").addEventListener("click", reveal);
$("present-timer").addEventListener("click", startTimer);
$("present-timer-stop").addEventListener("click", () => command("timer", { seconds: null }));

// The keys presenter tools use: arrows and Page Up/Down (a presentation clicker), R, T, Esc.
document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || event.target.closest?.("input, textarea, select")) return;
  const key = event.key;
  if (key === "ArrowRight" || key === "PageDown") move(1);
  else if (key === "ArrowLeft" || key === "PageUp") move(-1);
  else if (key === "r" || key === "R") reveal();
  else if (key === "t" || key === "T") startTimer();
  else if (key === "Escape") window.location.assign(bar.dataset.console);
  else return;
  event.preventDefault();
});
