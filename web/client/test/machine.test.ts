// Unit tests of the decisions apart from sockets: close codes, backoff,
// resume positions, the outbox, and the client against a fake socket.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  Backoff,
  Outbox,
  OutboxFullError,
  ReconnectMachine,
  Streams,
  SwitchboardClient,
  closeAction,
} from "../src/index.js";
import { FakeSocket, limits, tick, welcome } from "./fake.js";

test("close codes: which stop, which reconnect at once, which back off", () => {
  for (const code of [1000, 4000, 4001, 4002]) assert.equal(closeAction(code), "stop", `${code}`);
  assert.equal(closeAction(4009), "reconnect_now");
  for (const code of [1002, 1006, 1009, 1011, 1012, 4003, 4008, 4010, 4029, 4030, 4999]) {
    assert.equal(closeAction(code), "reconnect", `${code}`);
  }
});

test("backoff doubles within jitter up to the cap, and resets", () => {
  const low = new Backoff({ initialMs: 500, maxMs: 4000, random: () => 0 });
  const high = new Backoff({ initialMs: 500, maxMs: 4000, random: () => 0.999999 });
  const lows = [0, 1, 2, 3, 4, 5].map(() => low.next());
  const highs = [0, 1, 2, 3, 4, 5].map(() => high.next());
  assert.deepEqual(lows, [250, 500, 1000, 2000, 2000, 2000]);
  assert.deepEqual(highs, [499, 999, 1999, 3999, 3999, 3999]);
  low.reset();
  assert.equal(low.next(), 250);
});

test("machine: drop backs off, welcome resets, 4001 stops for good, 4009 is at once", () => {
  const m = new ReconnectMachine({ random: () => 0 });
  assert.deepEqual(m.start(), { do: "open_socket" });
  assert.deepEqual(m.closed(1006), { do: "wait", delayMs: 250 });
  assert.deepEqual(m.retry(), { do: "open_socket" });
  assert.deepEqual(m.closed(1012), { do: "wait", delayMs: 500 });
  m.retry();
  m.welcomed();
  assert.equal(m.state, "open");
  assert.deepEqual(m.closed(4009), { do: "wait", delayMs: 0 });
  m.retry();
  // A second 4009 in a row without a welcome backs off.
  assert.deepEqual(m.closed(4009), { do: "wait", delayMs: 500 });
  m.retry();
  m.welcomed();
  assert.deepEqual(m.closed(4001), { do: "stopped", code: 4001 });
  assert.deepEqual(m.retry(), { do: "nothing" });
  assert.deepEqual(m.closed(1006), { do: "nothing" });
});

test("streams: recovered replays from the position, skipping what was applied", () => {
  const s = new Streams();
  s.track(1, { epoch: 7, offset: 42 });
  assert.deepEqual(s.subscribeAfter(1), { epoch: 7, offset: 42 });
  const step = s.subscribed({
    team: 1,
    epoch: 7,
    offset: 45,
    head: 45,
    replayed: 3,
    live: true,
    resume: "recovered",
  });
  assert.deepEqual(step, {});
  assert.equal(s.event(1, 42).apply, false);
  assert.equal(s.event(1, 43).apply, true);
  assert.equal(s.event(1, 44).apply, true);
  assert.equal(s.event(1, 44).apply, false);
  assert.deepEqual(s.position(1), { epoch: 7, offset: 44 });
});

test("streams: epoch_changed and offset_ahead reset and restart from the head", () => {
  for (const resume of ["epoch_changed", "offset_ahead"] as const) {
    const s = new Streams();
    s.track(1, { epoch: 7, offset: 99 });
    const step = s.subscribed({
      team: 1,
      epoch: 8,
      offset: 10,
      head: 10,
      replayed: 0,
      live: true,
      resume,
    });
    assert.equal(step.reset, true);
    assert.deepEqual(s.position(1), { epoch: 8, offset: 10 });
    assert.equal(s.event(1, 11).apply, true);
    assert.deepEqual(s.position(1), { epoch: 8, offset: 11 });
  }
});

test("streams: a partial replay continues after its replayed events, and at once when empty", () => {
  const s = new Streams();
  s.track(1, { epoch: 7, offset: 0 });
  s.subscribeAfter(1);
  assert.deepEqual(
    s.subscribed({
      team: 1,
      epoch: 7,
      offset: 2,
      head: 9,
      replayed: 2,
      live: false,
      resume: "recovered",
    }),
    {},
  );
  assert.equal(s.event(1, 1).resubscribe, undefined);
  assert.deepEqual(s.event(1, 2).resubscribe, { epoch: 7, offset: 2 });
  const empty = s.subscribed({
    team: 1,
    epoch: 7,
    offset: 2,
    head: 9,
    replayed: 0,
    live: false,
    resume: "recovered",
  });
  assert.deepEqual(empty.resubscribe, { epoch: 7, offset: 2 });
});

test("outbox: bounded in entries and bytes, one entry per key, failed then retried", () => {
  const o = new Outbox({ maxEntries: 2, maxBytes: 200 });
  const a = o.add("a", { type: "send", conversation: 1, client_msg_id: "a", body: "x" });
  assert.equal(o.add("a", { type: "send", conversation: 1, client_msg_id: "a", body: "other" }), a);
  o.add("b", { type: "send", conversation: 1, client_msg_id: "b", body: "y" });
  assert.throws(
    () => o.add("c", { type: "send", conversation: 1, client_msg_id: "c", body: "z" }),
    OutboxFullError,
  );
  o.remove("b");
  assert.throws(
    () => o.add("d", { type: "send", conversation: 1, client_msg_id: "d", body: "z".repeat(300) }),
    OutboxFullError,
  );
  o.failed("a", { code: "not_found", message: "no conversation 1" });
  assert.equal(o.get("a")?.state, "failed");
  assert.deepEqual(o.due(), []);
  o.retry("a");
  assert.equal(o.get("a")?.state, "pending");
  assert.equal(o.due().length, 1);
});

test("client: a send while down stays pending, is written after the welcome, sent once", async () => {
  FakeSocket.all = [];
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    backoff: { initialMs: 10, random: () => 0 },
  });
  const states: string[] = [];
  client.on("message", (e) => states.push(e.state));
  client.connect();
  const first = FakeSocket.all[0]!;
  assert.deepEqual(first.protocols, ["switchboard.v1.json"]);
  first.open();
  await tick();
  assert.deepEqual(first.sent[0], { type: "hello", version: 3, token: "t" });
  first.receive(welcome);
  first.drop(1012);
  assert.equal(client.state, "waiting");
  const { entry, settled } = client.send(5, "hi", "m-1");
  assert.equal(entry.state, "pending");
  await tick();
  await tick();
  const second = FakeSocket.all[1]!;
  second.open();
  await tick();
  second.receive(welcome);
  const send = second.sent.find((f) => f.type === "send")!;
  assert.equal(send.client_msg_id, "m-1");
  second.receive({
    type: "result",
    id: send.id,
    result: { type: "sent", conversation: 5, seq: 1, offset: 1, at: 1, duplicate: false },
  });
  assert.equal((await settled).state, "sent");
  assert.deepEqual(states, ["pending", "sent"]);
  assert.equal(second.sent.filter((f) => f.type === "send").length, 1);
  client.close();
});

test("client: 4001 stops without reconnecting; in-flight plain requests are rejected", async () => {
  FakeSocket.all = [];
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    backoff: { initialMs: 1 },
  });
  client.connect();
  const socket = FakeSocket.all[0]!;
  socket.open();
  await tick();
  socket.receive(welcome);
  const ping = client.request({ type: "ping" });
  socket.drop(4001);
  await assert.rejects(ping, { name: "DisconnectedError" });
  await tick();
  assert.equal(client.state, "stopped");
  assert.equal(FakeSocket.all.length, 1);
});

test("client: a definitive error fails the message; a retryable one keeps it pending", async () => {
  FakeSocket.all = [];
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    retryDelayMs: 1,
  });
  client.connect();
  const socket = FakeSocket.all[0]!;
  socket.open();
  await tick();
  socket.receive(welcome);
  const retrying: string[] = [];
  client.on("retrying", (entry, refusal) => retrying.push(`${entry.key} ${refusal.code}`));
  const a = client.send(5, "a", "k-a");
  const b = client.send(5, "b", "k-b");
  const [sa, sb] = socket.sent.filter((f) => f.type === "send");
  socket.receive({ type: "error", id: sa!.id, code: "forbidden", message: "no" });
  socket.receive({ type: "error", id: sb!.id, code: "unavailable", message: "busy" });
  assert.equal((await a.settled).state, "failed");
  assert.equal(b.entry.state, "pending");
  assert.deepEqual(retrying, ["k-b unavailable"]);
  await tick();
  const again = socket.sent.filter((f) => f.type === "send" && f.client_msg_id === "k-b");
  assert.equal(again.length, 2);
  client.retry("k-a");
  assert.equal(socket.sent.filter((f) => f.client_msg_id === "k-a").length, 2);
  client.close();
});

test("client: a frame over max_frame_bytes fails locally, never written (no 1009 loop)", async () => {
  FakeSocket.all = [];
  const client = new SwitchboardClient({ url: "ws://x/ws", token: "t", WebSocket: FakeSocket });
  client.connect();
  const socket = FakeSocket.all[0]!;
  socket.open();
  await tick();
  socket.receive({ ...welcome, limits: { ...limits, max_frame_bytes: 100 } });
  const big = client.send(5, "x".repeat(200), "k-big");
  const done = await big.settled;
  assert.equal(done.state, "failed");
  assert.equal(done.error?.code, "too_large");
  assert.equal(socket.sent.filter((f) => f.type === "send").length, 0);
  client.close();
});

test("client: a refused keyed request rejects and leaves the outbox; the view is restored on reconnect", async () => {
  FakeSocket.all = [];
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    backoff: { initialMs: 2, random: () => 0 },
  });
  client.connect();
  const first = FakeSocket.all[0]!;
  first.open();
  await tick();
  first.receive(welcome);
  const assign = client.request({
    type: "assign",
    conversation: 5,
    who: { type: "me" },
    key: "k-as",
  });
  const frame = first.sent.find((f) => f.type === "assign")!;
  assert.equal(frame.key, "k-as");
  first.receive({ type: "error", id: frame.id, code: "forbidden", message: "no" });
  await assert.rejects(assign, { name: "RequestError", code: "forbidden" });
  assert.equal(client.outbox.size, 0);

  void client.request({ type: "view", conversation: 5 }).catch(() => undefined);
  first.drop(1006);
  await tick();
  await tick();
  const second = FakeSocket.all[1]!;
  second.open();
  await tick();
  second.receive(welcome);
  assert.deepEqual(
    second.sent.filter((f) => f.type === "view").map((f) => f.conversation),
    [5],
  );
  client.close();
});
