// The client against a real `switchboard` server on loopback: send and
// receive, resend after a restart exactly once, resume with nothing lost or
// doubled, and a refused message marked failed.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import {
  SwitchboardClient,
  type EventFrame,
  type Id,
  type Message,
  type WebSocketConstructor,
  type WebSocketLike,
} from "../src/index.js";
import { TestServer } from "./server.js";

const MAYA = "maya@demo.switchboard.test";
const SAM = "sam@demo.switchboard.test";

let server: TestServer;
before(async () => {
  server = await TestServer.start();
});
/** No test may hang the run: each fails past this. */
const LIMIT = { timeout: 60_000 };

/** Every client a test made, closed at the end even when the test failed (or the run would hang on their reconnect timers). */
const clients: SwitchboardClient[] = [];
after(async () => {
  for (const c of clients) c.close();
  await server.dispose();
});

/** A `ws` constructor the test can cut off: while blocked, connecting fails at once. */
function gatedSocket(): {
  Ctor: WebSocketConstructor;
  gate: { blocked: boolean };
  sockets: WebSocket[];
} {
  const gate = { blocked: false };
  const sockets: WebSocket[] = [];
  const Ctor = function (url: string, protocols: string[]): WebSocketLike {
    if (gate.blocked) throw new Error("blocked by the test");
    const socket = new WebSocket(url, protocols);
    sockets.push(socket);
    return socket as unknown as WebSocketLike;
  } as unknown as WebSocketConstructor;
  return { Ctor, gate, sockets };
}

function client(
  email: string,
  Ctor: WebSocketConstructor = WebSocket as unknown as WebSocketConstructor,
) {
  const c = new SwitchboardClient({
    url: server.url,
    token: server.token(email),
    WebSocket: Ctor,
    backoff: { initialMs: 100, maxMs: 400 },
    retryDelayMs: 100,
  });
  clients.push(c);
  return c;
}

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Connects, subscribes to the first team, and starts a conversation in it. */
async function ready(
  c: SwitchboardClient,
  events: EventFrame[] = [],
): Promise<{ team: Id; conversation: Id }> {
  c.connect();
  await until("welcome", () => c.state === "open");
  const team = c.welcome!.teams[0]!.id;
  let live = false;
  c.subscribe(team, { onEvent: (e) => events.push(e), onSubscribed: (r) => (live = r.live) });
  await until("subscribed", () => live);
  const started = await c.request({
    type: "start_conversation",
    team,
    contact: { name: `Contact ${Date.now()}` },
  });
  return { team, conversation: started.id };
}

async function history(c: SwitchboardClient, conversation: Id): Promise<Message[]> {
  const page = await c.request({ type: "history", conversation, limit: 200 });
  return page.messages;
}

test("hello, subscribe, send, and the own message comes back as an event", LIMIT, async () => {
  const c = client(MAYA);
  const events: EventFrame[] = [];
  const { conversation } = await ready(c, events);
  const { settled } = c.send(conversation, "Hello from the TypeScript client", "ts-own-1");
  const entry = await settled;
  assert.equal(entry.state, "sent");
  assert.equal(entry.reply?.type, "sent");
  await until("own message event", () =>
    events.some((e) => e.event.type === "message" && e.event.client_msg_id === "ts-own-1"),
  );
  const own = events.filter(
    (e) => e.event.type === "message" && e.event.client_msg_id === "ts-own-1",
  );
  assert.equal(own.length, 1);
  c.close();
});

test(
  "a send while the server is down stays pending, then is stored once after the restart",
  LIMIT,
  async () => {
    const c = client(MAYA);
    const { conversation } = await ready(c);
    await server.stop("SIGTERM");
    await until("disconnected", () => c.state !== "open");
    const { entry, settled } = c.send(
      conversation,
      "Written while the server was down",
      "ts-offline-1",
    );
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(entry.state, "pending");
    await server.run();
    assert.equal((await settled).state, "sent");
    await until("open again", () => c.state === "open");
    const stored = (await history(c, conversation)).filter(
      (m) => m.client_msg_id === "ts-offline-1",
    );
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.body, "Written while the server was down");
    c.close();
  },
);

test(
  "a send in flight when the server crashes is stored once after the restart",
  LIMIT,
  async () => {
    const c = client(MAYA);
    const { conversation } = await ready(c);
    const { settled } = c.send(conversation, "Written as the server crashed", "ts-crash-1");
    // Killed with the send written or not yet answered: either way it is resent.
    await server.stop("SIGKILL");
    await server.run();
    assert.equal((await settled).state, "sent");
    const stored = (await history(c, conversation)).filter((m) => m.client_msg_id === "ts-crash-1");
    assert.equal(stored.length, 1);
    c.close();
  },
);

test("resume after missed events replays them in order, none doubled", LIMIT, async () => {
  const { Ctor, gate, sockets } = gatedSocket();
  const reader = client(SAM, Ctor);
  const events: EventFrame[] = [];
  const { conversation } = await ready(reader, events);
  const writer = client(MAYA);
  writer.connect();
  await until("writer open", () => writer.state === "open");
  await writer.send(conversation, "before the drop", "ts-resume-0").settled;
  await until("first event", () =>
    events.some((e) => e.event.type === "message" && e.event.body === "before the drop"),
  );

  gate.blocked = true;
  sockets.at(-1)!.terminate();
  await until("reader down", () => reader.state !== "open");
  for (let i = 1; i <= 5; i++) {
    assert.equal(
      (await writer.send(conversation, `missed ${i}`, `ts-resume-${i}`).settled).state,
      "sent",
    );
  }
  gate.blocked = false;
  await until(
    "replayed",
    () =>
      events.filter((e) => e.event.type === "message" && e.event.body.startsWith("missed"))
        .length >= 5,
  );
  await writer.send(conversation, "after the resume", "ts-resume-6").settled;
  await until("live again", () =>
    events.some((e) => e.event.type === "message" && e.event.body === "after the resume"),
  );

  const bodies = events
    .filter((e) => e.event.type === "message" && e.event.conversation === conversation)
    .map((e) => (e.event as Message).body);
  assert.deepEqual(bodies, [
    "before the drop",
    "missed 1",
    "missed 2",
    "missed 3",
    "missed 4",
    "missed 5",
    "after the resume",
  ]);
  const offsets = events.map((e) => e.offset);
  assert.deepEqual(
    offsets,
    [...offsets].sort((a, b) => a - b),
  );
  assert.equal(new Set(offsets).size, offsets.length);
  reader.close();
  writer.close();
});

test(
  "a definitive error marks the message failed; retry resends the same client_msg_id",
  LIMIT,
  async () => {
    const c = client(MAYA);
    const { conversation } = await ready(c);
    const tooLong = "x".repeat(c.welcome!.limits.max_body_bytes + 1);
    const { entry, settled } = c.send(conversation, tooLong, "ts-failed-1");
    assert.equal((await settled).state, "failed");
    assert.equal(entry.error?.code, "too_large");
    const again = await c.retry("ts-failed-1");
    assert.equal(again?.state, "failed");
    assert.equal(
      (await history(c, conversation)).filter((m) => m.client_msg_id === "ts-failed-1").length,
      0,
    );
    c.close();
  },
);
