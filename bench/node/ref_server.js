// The Node.js reference server for the fan-out benchmark: npm `socket.io`, the same
// namespaces, events and message shape as bench/bare_server.py, and nothing else.
//   node ref_server.js PORT
"use strict";
const http = require("http");
const { Server } = require("socket.io");
const { stateFor } = require("./payload");

const port = Number(process.argv[2] || 0);
const httpServer = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/plain" });
  res.end("ok\n");
});
const io = new Server(httpServer, { pingInterval: 10000, pingTimeout: 10000, serveClient: false });

const versions = new Map();
const positions = new Map();
const room = (socket) => Number((socket.handshake.auth || {}).session) || 1;

io.of("/phone").on("connection", (socket) => {
  const r = room(socket);
  socket.join(`r:${r}`);
  socket.emit("snapshot", { public: stateFor(versions.get(r) || 1, positions.get(r) || 0), me: {} });
});

io.of("/facilitator").on("connection", (socket) => {
  const r = room(socket);
  socket.emit("snapshot", stateFor(versions.get(r) || 1, positions.get(r) || 0));
  socket.on("card", (data, ack) => {
    const version = (versions.get(r) || 1) + 1;
    const position = data && data.action === "jump" ? data.position : (positions.get(r) || 0) + 1;
    versions.set(r, version);
    positions.set(r, position);
    io.of("/phone").to(`r:${r}`).emit("state", stateFor(version, position));
    if (typeof ack === "function") ack({ ok: true });
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  process.stdout.write(`listening ${httpServer.address().port}\n`);
});
process.on("SIGTERM", () => process.exit(0));
