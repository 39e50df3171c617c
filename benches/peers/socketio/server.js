// Socket.IO peer for switchboard-bench: the same broadcast rooms as the
// Rust peers (benches/src/peers/server), written the way a Socket.IO
// application writes them, so that the bench can compare Switchboard with
// it on the same workload.
//
//   node server.js [--port N] [--exit-on-stdin-close]
//
// Listens on 127.0.0.1 only (port from --port, else $PORT, else 0 for a
// free one) and prints `listening on 127.0.0.1:PORT` as its first stdout
// line. A client connects over the WebSocket transport only, with `room`
// (a u32) and `role` (subscriber or sender) in the handshake query.
// Subscribers join the room; a "msg" event (a string or a Buffer) from any
// connection is emitted to the room, so senders, who are not in it, never
// receive. Like the Rust peers, a client with more than MAX_QUEUED_PACKETS
// waiting is disconnected rather than buffered without bound.

"use strict";

const http = require("node:http");
const { parseArgs } = require("node:util");
const { Server } = require("socket.io");

// The largest message a client may send (Switchboard's default).
const MAX_MESSAGE_BYTES = 64 * 1024;
// Packets that may wait for one client (Switchboard's default queue).
const MAX_QUEUED_PACKETS = 4096;
// Bytes that may wait in the client's socket once written by Engine.IO.
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
// How often clients' queues are checked.
const WATCH_INTERVAL_MS = 250;

function fail(message) {
  console.error(`socketio-peer: ${message}`);
  process.exit(2);
}

let options;
try {
  options = parseArgs({
    options: {
      port: { type: "string" },
      "exit-on-stdin-close": { type: "boolean", default: false },
    },
  }).values;
} catch (e) {
  fail(e.message);
}
const portText = options.port ?? process.env.PORT ?? "0";
const port = Number(portText);
if (!/^\d{1,5}$/.test(portText) || port > 65535) {
  fail(`not a port: ${JSON.stringify(portText)}`);
}

// Any plain HTTP request other than the Socket.IO handshake gets a 404.
const httpServer = http.createServer({ noDelay: true }, (_req, res) => {
  res.writeHead(404).end();
});
const io = new Server(httpServer, {
  transports: ["websocket"],
  serveClient: false,
  maxHttpBufferSize: MAX_MESSAGE_BYTES,
  perMessageDeflate: false,
});

// Decided at the handshake: a bad room or role is a connect error.
io.use((socket, next) => {
  const { room, role } = socket.handshake.query;
  if (typeof room !== "string" || !/^\d{1,10}$/.test(room) || Number(room) > 0xffffffff) {
    return next(new Error("the query needs room=N (a u32)"));
  }
  if (role !== "subscriber" && role !== "sender") {
    return next(new Error("the query needs role=subscriber or role=sender"));
  }
  // Prefixed so that a room can never be mistaken for a socket's own room.
  socket.data.room = `room:${Number(room)}`;
  socket.data.subscriber = role === "subscriber";
  next();
});

io.on("connection", (socket) => {
  const room = socket.data.room;
  // Runs in the same tick as the connect acknowledgement, before any
  // other client's message can be handled: a client that has seen its
  // acknowledgement is in the room.
  if (socket.data.subscriber) {
    socket.join(room);
  }
  socket.on("msg", (payload) => {
    if (typeof payload === "string" || Buffer.isBuffer(payload)) {
      io.to(room).emit("msg", payload);
    }
  });
});

// Engine.IO buffers without limit for a client that does not read; this
// is the bound. Closing with `discard` drops what was queued, and a
// closing socket accepts no more packets.
setInterval(() => {
  for (const socket of io.of("/").sockets.values()) {
    const conn = socket.conn;
    const buffered = conn.transport?.socket?.bufferedAmount ?? 0;
    if (conn.writeBuffer.length > MAX_QUEUED_PACKETS || buffered > MAX_BUFFERED_BYTES) {
      console.error(
        `socketio-peer: a client has ${conn.writeBuffer.length} packets and ${buffered} bytes waiting; disconnecting it`,
      );
      conn.close(true);
    }
  }
}, WATCH_INTERVAL_MS).unref();

if (options["exit-on-stdin-close"]) {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.on("close", () => process.exit(0));
  process.stdin.on("error", () => process.exit(0));
  process.stdin.resume();
}

httpServer.on("error", (e) => fail(`cannot listen: ${e.message}`));
httpServer.listen(port, "127.0.0.1", () => {
  console.log(`listening on 127.0.0.1:${httpServer.address().port}`);
});
