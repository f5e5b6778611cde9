// Load generator for `make bench` (fanout and capacity): Node's socket.io-client, one
// process, so the facilitator and every phone share one clock (performance.now()).
//   node loadgen.js CONFIG.json     -> JSON lines on stdout; the last one is the result
// Only ever connects to the URLs in CONFIG (127.0.0.1), with bounded counts and time.
"use strict";
const fs = require("fs");
const readline = require("readline");
const { performance } = require("perf_hooks");
const { io } = require("socket.io-client");

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const say = (obj) => process.stdout.write(JSON.stringify(obj) + "\n");
// Writes to a pipe are asynchronous: exit only once the last line has been written out
// (a large result was cut short by exiting straight after writing it).
const sayThenExit = (obj, code) => process.stdout.write(JSON.stringify(obj) + "\n", () => process.exit(code));
let cidCounter = 0;
const cid = () => `bench${process.pid}x${(cidCounter++).toString(36).padStart(6, "0")}`;

function open(endpoint, namespace) {
  return io(endpoint.url + namespace, {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    timeout: 120000,
    auth: endpoint.auth || {},
    query: endpoint.room ? { room: String(endpoint.room) } : {},
    extraHeaders: endpoint.cookie ? { Cookie: endpoint.cookie } : {},
  });
}

// Connect and resolve with the socket and its first snapshot.
function connect(endpoint, namespace) {
  return new Promise((resolve, reject) => {
    const socket = open(endpoint, namespace);
    const timer = setTimeout(() => reject(new Error(`no snapshot from ${namespace}`)), 120000);
    socket.once("snapshot", (snap) => {
      clearTimeout(timer);
      resolve({ socket, snapshot: snap });
    });
    socket.once("connect_error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function connectAll(endpoints, namespace, concurrency = 20, failures = null) {
  const out = new Array(endpoints.length);
  let next = 0;
  async function worker() {
    while (next < endpoints.length) {
      const i = next++;
      if (!failures) { out[i] = await connect(endpoints[i], namespace); continue; }
      try {
        out[i] = await connect(endpoints[i], namespace);
      } catch (err) {
        out[i] = null; // counted, and the run goes on without this phone
        failures.push(String(err && err.message || err));
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, endpoints.length) }, worker));
  return out;
}

const versionOf = (snap) => (snap && snap.public ? snap.public.version : snap && snap.version) || 0;
const positionOf = (snap) => {
  const s = snap && snap.public ? snap.public : snap;
  return s && s.card ? s.card.position : 0;
};

function withTimeout(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timeout: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

// --- fanout: time from the facilitator's "card" to the LAST phone's state -----------------
// One room (config.facilitator, config.phones), or several servers' rooms measured in
// turn (config.targets: [{facilitator, phones}, ...]): advance 1 on the first, then on
// the second, and so on, the order reversed every round, so that whatever the machine
// is doing at the time falls on all of them alike and their ratio is taken on equal terms.

async function openRoom(target) {
  const t = now();
  const fac = await connect(target.facilitator, "/facilitator");
  const phones = await connectAll(target.phones, "/phone", 10);
  const room = { fac, phones, connectSeconds: (now() - t) / 1000, rows: [], errors: 0, current: null,
                 version: Math.max(...phones.map((p) => versionOf(p.snapshot))), position: positionOf(phones[0].snapshot),
                 lastFacilitatorEvent: now() };
  // Every phone that connects makes the server send the facilitator a new state (who is
  // here); the advances are measured once those have drained.
  fac.socket.onAny(() => { room.lastFacilitatorEvent = now(); });
  phones.forEach(({ socket }, index) => {
    socket.on("state", (state) => {
      const c = room.current;
      if (!c || state.version < c.expected || c.got[index]) return;
      c.got[index] = true;
      c.arrivals.push(now() - c.t0);
      c.version = Math.max(c.version, state.version);
      if (c.arrivals.length === phones.length) c.resolve();
    });
  });
  return room;
}

async function advance(room, measured) {
  const target = room.position === 0 ? 1 : 0;
  let resolve;
  const all = new Promise((r) => { resolve = r; });
  const c = room.current = { expected: room.version + 1, t0: 0, got: new Array(room.phones.length).fill(false),
                             arrivals: [], version: room.version, resolve };
  c.t0 = now();
  const ack = room.fac.socket.timeout(10000).emitWithAck("card", { cid: cid(), action: "jump", position: target })
    .then((reply) => ({ reply, ms: now() - c.t0 }));
  try {
    const [{ reply, ms }] = await Promise.all([ack, withTimeout(all, 10000, "all phones")]);
    if (!reply || !reply.ok) throw new Error(`ack ${JSON.stringify(reply)}`);
    if (measured) {
      const a = c.arrivals;
      room.rows.push({ last_ms: Math.max(...a), first_ms: Math.min(...a), ack_ms: ms });
    }
  } catch (err) {
    room.errors++;
    say({ event: "error", advance: room.rows.length, error: String(err && err.message || err) });
  }
  room.version = c.version;
  room.position = target;
  room.current = null;
}

async function fanout() {
  const targets = config.targets || [{ facilitator: config.facilitator, phones: config.phones }];
  const t = now();
  const rooms = [];
  for (const target of targets) rooms.push(await openRoom(target));
  const connected = now();
  const quietUntil = now() + 180000;
  while (rooms.some((r) => now() - r.lastFacilitatorEvent < (config.quiet_ms ?? 1000)) && now() < quietUntil) {
    await sleep(100);
  }
  const drainSeconds = (now() - connected) / 1000;
  say({ event: "measuring" });

  const total = (config.warmup ?? 5) + config.advances;
  for (let i = 0; i < total; i++) {
    for (const room of (i % 2 ? [...rooms].reverse() : rooms)) {
      await advance(room, i >= total - config.advances);
      await sleep(config.gap_ms ?? 50);
    }
  }
  for (const room of rooms) {
    room.fac.socket.close();
    room.phones.forEach((p) => p.socket.close());
  }
  const results = rooms.map((r) => ({ phones: r.phones.length, connect_s: r.connectSeconds,
                                      presence_drain_s: drainSeconds, advances: r.rows, errors: r.errors }));
  return config.targets ? { targets: results, connect_s: (connected - t) / 1000 } : results[0];
}

// --- capacity: many rooms at once; cards advance, every phone answers ------------------------

function waitForLine(expected) {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    rl.on("line", (line) => {
      if (line.trim() === expected) { rl.close(); resolve(); }
    });
  });
}

async function capacity() {
  const t = now();
  const rooms = [];
  for (const spec of config.rooms) {
    const fac = await connect(spec.facilitator, "/facilitator");
    rooms.push({ spec, fac, phones: [] });
  }
  const allPhones = config.rooms.flatMap((spec, r) => spec.phones.map((p) => ({ ...p, room: r })));
  const connectFailures = [];
  const connected = await connectAll(allPhones, "/phone", 10, connectFailures);
  connected.forEach((c, i) => { if (c) rooms[allPhones[i].room].phones.push(c); });
  const connectSeconds = (now() - t) / 1000;
  say({ event: "connected", sockets: connected.length + rooms.length, connect_s: connectSeconds });
  await waitForLine("go");

  const deliveries = [];   // ms, facilitator command -> each phone's state
  const started = now();
  const slow = [];         // [ms since the start, delivery ms] of deliveries over 50 ms: when the slow ones happen
  const lastPerAdvance = []; // ms, to the last phone of the room
  const answerAcks = [];
  const cardAcks = [];
  const errors = { connect: connectFailures.length, card: 0, answer: 0, missed: 0, disconnect: 0,
                   detail: connectFailures.slice(0, 5).map((e) => `connect: ${e}`) };
  const note = (kind, err) => {
    errors[kind]++;
    if (errors.detail.length < 20) errors.detail.push(`${kind}: ${String(err && err.message || err)}`);
  };
  const [minDelay, maxDelay] = config.answer_delay_ms || [300, 2500];
  const end = now() + config.duration_s * 1000;
  let pendingAnswers = 0;
  let running = true;

  for (const room of rooms) {
    room.version = Math.max(0, ...room.phones.map((p) => versionOf(p.snapshot)));
    room.t0 = new Map();
    room.got = new Map();
    for (const phone of room.phones) {
      phone.socket.on("disconnect", (reason) => { if (running) note("disconnect", reason); });
      phone.socket.on("state", (state) => {
        const t0 = room.t0.get(state.version);
        if (t0 === undefined || phone.seen === state.version) return;
        phone.seen = state.version;
        const ms = now() - t0;
        deliveries.push(ms);
        if (ms > 50 && slow.length < 5000) slow.push([Math.round(t0 - started), Math.round(ms)]);
        const got = (room.got.get(state.version) || 0) + 1;
        room.got.set(state.version, got);
        if (got === room.phones.length) lastPerAdvance.push(ms);
        if (!state.card || !running) return;
        pendingAnswers++;
        setTimeout(() => {
          const sent = now();
          phone.socket.timeout(15000).emitWithAck("answer", {
            cid: cid(), card: state.card.id, text: "It reminded me of a family I met last week.", audience: "group",
          }).then((reply) => {
            if (!reply || !reply.ok) note("answer", JSON.stringify(reply && reply.error));
            else answerAcks.push(now() - sent);
          }, (err) => note("answer", err)).finally(() => { pendingAnswers--; });
        }, minDelay + Math.random() * (maxDelay - minDelay));
      });
    }
  }

  async function roomLoop(room) {
    await sleep(Math.random() * config.interval_ms);
    let advances = 0;
    while (now() < end) {
      const expected = room.version + 1;
      const t0 = now();
      room.t0.set(expected, t0);
      try {
        const reply = await room.fac.socket.timeout(15000).emitWithAck("card", { cid: cid(), action: "next" });
        if (!reply || !reply.ok) note("card", JSON.stringify(reply && reply.error));
        else { cardAcks.push(now() - t0); room.version = expected; advances++; }
      } catch (err) {
        note("card", err);
      }
      await sleep(Math.max(0, t0 + config.interval_ms - now()));
      const got = room.got.get(expected) || 0;
      if (got < room.phones.length) note("missed", `room advance got ${got}/${room.phones.length}`);
    }
    return advances;
  }

  const advances = await Promise.all(rooms.map(roomLoop));
  const drainUntil = now() + 20000;
  while (pendingAnswers > 0 && now() < drainUntil) await sleep(100);
  running = false;
  say({ event: "finished" });
  for (const room of rooms) {
    room.fac.socket.close();
    room.phones.forEach((p) => p.socket.close());
  }
  errors.detail = errors.detail.slice(0, 20);
  return {
    rooms: rooms.length,
    phones: connected.filter(Boolean).length,
    connect_s: connectSeconds,
    advances: advances.reduce((a, b) => a + b, 0),
    deliveries, slow_deliveries: slow, last_per_advance: lastPerAdvance, answer_acks: answerAcks, card_acks: cardAcks,
    pending_answers: pendingAnswers, errors,
  };
}

(async () => {
  const hardStop = setTimeout(() => { say({ event: "error", error: "hard time limit" }); process.exit(2); },
                              (config.time_limit_s || 600) * 1000);
  try {
    const result = config.kind === "capacity" ? await capacity() : await fanout();
    clearTimeout(hardStop);
    sayThenExit({ event: "result", result }, 0);
  } catch (err) {
    sayThenExit({ event: "error", error: String(err && err.stack || err) }, 1);
  }
})();
