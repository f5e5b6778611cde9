// Shared helpers for the live pages: one socket per page, command ids, text-only rendering.
import { io } from "../vendor/socket.io-4.8.4/socket.io.esm.min.js";

export function strings() {
  const data = document.getElementById("i18n")?.dataset ?? {};
  // data-card-of is read as dataset.cardOf
  const camel = (key) => key.replace(/-([a-z])/g, (_m, c) => c.toUpperCase());
  return (key, values = {}) => {
    let text = data[camel(key)] ?? key;
    for (const [name, value] of Object.entries(values)) text = text.replaceAll(`{${name}}`, String(value));
    return text;
  };
}

// A command id: random, made by the client, so that a re-sent command is applied once.
export function commandId() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

// A command answered "busy" is sent again after about 1, 2, 4, 4, 4 s (with jitter, so
// that a room's phones do not all come back at once).
const BUSY_RETRIES = 5;
const busyDelay = (attempt) => Math.min(4000, 1000 * 2 ** (attempt - 1)) * (0.75 + Math.random() / 2);

// Connect to one namespace. The client retries unacknowledged emits (``retries``), and
// the server stores each command id once, so nothing acknowledged is lost or doubled.
// ``room``: the group session's id, added to the socket's address so that a proxy in
// front of several server processes can send a session's sockets to one process (the
// server itself ignores it: who may join what is decided by ``auth`` and cookies).
export function connect(namespace, { auth, room, onSnapshot, onState, onStatus, events = {} }) {
  const socket = io(namespace, {
    auth,
    query: room ? { room: String(room) } : {},
    transports: ["websocket", "polling"],
    tryAllTransports: true, // networks that block websockets fall back to long-polling
    retries: 20,
    ackTimeout: 8000,
    reconnectionDelayMax: 4000,
  });
  let version = 0;
  const accept = (state, force = false) => {
    if (!state) return;
    if (!force && typeof state.version === "number" && state.version < version) return; // stale
    const gap = typeof state.version === "number" && version && state.version > version + 1;
    if (typeof state.version === "number") version = state.version;
    onState?.(state);
    if (gap) sync();
  };
  // A sync's reply may have been read before a change whose state came first: it is
  // taken only if it is not older than what the page shows (``fresh`` false). The
  // snapshot a new connection starts with is the truth (``fresh`` true).
  const sync = () => socket.emit("sync", {}, (err, reply) => {
    if (!err && reply?.ok) {
      const snap = reply.snapshot ?? reply.state;
      if (snap?.public || snap?.me) onSnapshot?.(snap, false); else accept(snap);
    }
  });
  socket.on("connect", () => onStatus?.(true));
  socket.on("disconnect", () => onStatus?.(false));
  socket.on("connect_error", (err) => {
    onStatus?.(false);
    // The server refused the connection only because it was busy: connect again soon
    // (a refusal stops the client's own reconnecting).
    if (err?.message === "busy") setTimeout(() => socket.connect(), busyDelay(1));
    // A network that lets a websocket hang (never refused, never open) would keep the
    // page trying it: the next attempts start with long-polling (upgraded when it can).
    socket.io.opts.transports = ["polling", "websocket"];
  });
  socket.on("snapshot", (snap) => (snap?.public ? onSnapshot?.(snap, true) : accept(snap, true)));
  socket.on("state", (state) => accept(state));
  socket.on("sync_needed", () => sync());
  for (const [name, handler] of Object.entries(events)) socket.on(name, handler);
  // A phone coming back from the background resyncs at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState !== "visible") return;
    if (socket.connected) sync(); else socket.connect();
  });
  // The browser knows before the socket's heartbeat does that the network is gone: say
  // so at once and drop the dead connection (the socket then reconnects by itself, and
  // what was sent meanwhile waits in its queue). Back online, try again without waiting
  // for the next back-off step.
  window.addEventListener("offline", () => {
    onStatus?.(false);
    if (socket.connected) socket.io.engine?.close();
  });
  window.addEventListener("online", () => {
    if (!socket.connected) { socket.disconnect(); socket.connect(); }
  });
  // ``payload.cid``, when given, is the id of a command sent before (re-sent as is). A
  // server that answers "busy" (no database connection came free in time) did nothing:
  // the same command, with the same id, is sent again a moment later, a few times.
  const once = (event, body) => new Promise((resolve) => {
    socket.emit(event, body, (err, reply) => resolve(err ? { ok: false, error: { code: "timeout" } } : reply));
  });
  const send = async (event, payload = {}, withId = true) => {
    const body = withId ? { cid: commandId(), ...payload } : payload;
    let reply = await once(event, body);
    for (let attempt = 1; attempt <= BUSY_RETRIES && reply?.error?.code === "busy"; attempt += 1) {
      await new Promise((wake) => setTimeout(wake, busyDelay(attempt)));
      reply = await once(event, body);
    }
    return reply;
  };
  return { socket, send, sync, setVersion: (v) => { version = v; } };
}

// A number in the page's language (3.33 in English, 3,33 in Spanish).
export function number(value) {
  const lang = document.documentElement.lang || "en";
  return new Intl.NumberFormat(lang, { maximumFractionDigits: 2 }).format(value);
}

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

export function show(node, visible) {
  if (node) node.hidden = !visible;
}

// Text with highlighted spans, built from text nodes and <mark> (never HTML). The
// server's spans count code points (Python's str), so the text is sliced by code point
// (Array.from), not by UTF-16 unit: an emoji before a flagged word would shift it.
export function highlighted(target, text, spans) {
  clear(target);
  const chars = Array.from(text);
  const part = (from, to) => chars.slice(from, to).join("");
  let at = 0;
  for (const [start, end] of spans) {
    if (start > at) target.append(document.createTextNode(part(at, start)));
    target.append(el("mark", part(start, end)));
    at = end;
  }
  if (at < chars.length) target.append(document.createTextNode(part(at)));
}

// A countdown against the server's clock (offset measured from server_now).
export function timer(node, t) {
  let ends = null;
  let offset = 0;
  let handle = null;
  const tick = () => {
    if (!ends) { node.hidden = true; return; }
    const left = Math.max(0, Math.round((ends - (Date.now() + offset)) / 1000));
    node.hidden = false;
    node.textContent = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : t("time-up");
    if (left === 0) { clearInterval(handle); handle = null; }
  };
  return (endsAt, serverNow) => {
    offset = serverNow ? Date.parse(serverNow) - Date.now() : 0;
    ends = endsAt ? Date.parse(endsAt) : null;
    if (handle) clearInterval(handle);
    handle = ends ? setInterval(tick, 1000) : null;
    tick();
  };
}

// A check-in result as text rows with a bar each (widths through the CSSOM, CSP-safe).
// ``minGroupSize``: the session's minimum group size, for the "too few" message (the
// result's own ``min_group_size`` when it carries one).
export function checkinResult(target, result, labels, t, minGroupSize) {
  clear(target);
  if (!result || result.status !== "closed") return;
  const n = result.min_group_size ?? minGroupSize ?? "";
  if (!result.shown) { target.append(el("p", t("too-few", { n }))); return; }
  for (const scale of labels) {
    const counts = result.distribution[scale.slug];
    const box = el("div", null, "result-scale");
    box.append(el("p", scale.question, "result-question"));
    if (!counts) { box.append(el("p", t("too-few", { n }))); target.append(box); continue; }
    const total = counts.reduce((a, b) => a + b, 0) || 1;
    const list = el("ul", null, "bars");
    counts.forEach((count, i) => {
      const row = el("li", null, "bar-row");
      row.append(el("span", String(i + 1), "bar-label"));
      const bar = el("span", null, "bar");
      bar.style.width = `${Math.round((count / total) * 100)}%`;
      row.append(bar, el("span", String(count), "bar-count"));
      list.append(row);
    });
    box.append(list, el("p", `${scale.low} → ${scale.high} · ${t("mean", { m: number(result.means[scale.slug]) })}`, "muted"));
    target.append(box);
  }
  if (result.words?.length) {
    target.append(el("p", `${t("words")}: ${result.words.join(", ")}`));
  }
}
