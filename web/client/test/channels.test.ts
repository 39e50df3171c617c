// The channels' pure parts: a blast template's placeholders and the ones
// the team's book does not know; the web chat's allowed origins read from
// what a Manager typed, and the embed line; receipts and blast progress
// applied to what a screen holds; and the new requests typed end to end
// through the client (a keyed create_blast is resent with its key).
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SwitchboardClient,
  embedSnippet,
  chatPageUrl,
  parseOrigins,
  placeholdersOf,
  progressed,
  share,
  unknownPlaceholders,
  withBlast,
  withReceipt,
  type BlastInfo,
  type Message,
} from "../src/index.js";
import { FakeSocket, tick, welcome } from "./fake.js";

test("template: placeholders with and without fallbacks, spaces trimmed", () => {
  const found = placeholdersOf("Hi {{ first_name | there }}, {{city}} {{name}}!");
  assert.deepEqual(
    found.map((p) => [p.key, p.fallback]),
    [
      ["first_name", "there"],
      ["city", null],
      ["name", null],
    ],
  );
  assert.equal(found[0]?.at, 3);
  assert.deepEqual(placeholdersOf("no braces { here }"), []);
});

test("template: unknown keys are named once each; built-ins and fields are known", () => {
  assert.deepEqual(
    unknownPlaceholders("{{first_name}} {{nickname}} {{city}} {{nickname|x}} {{}}", ["city"]),
    ["nickname", ""],
  );
  assert.deepEqual(unknownPlaceholders("{{name}} {{first_name|friend}}", []), []);
});

test("origins: one a line, trailing slash forgiven, duplicates once, blanks skipped", () => {
  const parsed = parseOrigins(
    "https://example.com/\n\n  http://localhost:8080 \nhttps://example.com\nHTTPS://Shop.Example.com",
  );
  assert.deepEqual(parsed.origins, [
    "https://example.com",
    "http://localhost:8080",
    "https://shop.example.com",
  ]);
  assert.deepEqual(parsed.problems, []);
});

test("origins: a path, another scheme or no address is refused with its line", () => {
  const parsed = parseOrigins(
    "https://ok.example\nhttps://example.com/page\nftp://x.example\nexample.com",
  );
  assert.deepEqual(parsed.origins, ["https://ok.example"]);
  assert.deepEqual(
    parsed.problems.map((p) => p.line),
    [2, 3, 4],
  );
  assert.match(parsed.problems[0]?.reason ?? "", /write https:\/\/example\.com$/);
});

test("embed: the one line and the chat page's address", () => {
  assert.equal(
    embedSnippet("https://sb.example", "acme"),
    '<script src="https://sb.example/widget.js" data-team="acme" async></script>',
  );
  assert.equal(chatPageUrl("https://sb.example", "acme"), "https://sb.example/chat/acme");
});

function message(seq: number): Message {
  return {
    conversation: 4,
    seq,
    offset: seq,
    sender: { kind: "agent", id: 1, name: "Ana" },
    body: `m${String(seq)}`,
    client_msg_id: null,
    at: 100,
  };
}

test("receipts: the latest delivery shows; an older receipt does not replace it", () => {
  const messages = [message(1), message(2)];
  const sent = withReceipt(messages, { conversation: 4, seq: 2, status: "sent", at: 200 });
  assert.equal(sent[1]?.delivery?.status, "sent");
  assert.equal(sent[0], messages[0]);
  const failed = withReceipt(sent, {
    conversation: 4,
    seq: 2,
    status: "failed",
    at: 300,
    detail: "gateway said 500",
  });
  assert.deepEqual(failed[1]?.delivery, { status: "failed", at: 300, detail: "gateway said 500" });
  const late = withReceipt(failed, { conversation: 4, seq: 2, status: "sent", at: 250 });
  assert.equal(late, failed);
  assert.equal(withReceipt(messages, { conversation: 5, seq: 2, status: "sent", at: 1 }), messages);
});

function blast(id: number, sent: number, status: BlastInfo["status"] = "running"): BlastInfo {
  return {
    id,
    team: 1,
    name: `b${String(id)}`,
    template: "Hi",
    created_by: 1,
    created_at: 1,
    status,
    total: 10,
    sent,
    skipped: 0,
    failed: 0,
    replies: 0,
    rate: 1,
  };
}

test("blasts: progress replaces the row, a new blast comes first, counts never go back", () => {
  let list = withBlast([], blast(1, 0));
  list = withBlast(list, blast(2, 0));
  assert.deepEqual(
    list.map((b) => b.id),
    [2, 1],
  );
  list = withBlast(list, blast(1, 5));
  list = withBlast(list, blast(1, 3));
  assert.equal(list.find((b) => b.id === 1)?.sent, 5);
  assert.equal(list.length, 2);
  assert.equal(progressed(blast(1, 5), blast(1, 5, "paused")).status, "paused");
  assert.equal(progressed(blast(1, 5, "cancelled"), blast(1, 6)).status, "cancelled");
  assert.equal(share(blast(1, 5)), 0.5);
  assert.equal(share({ ...blast(1, 0), total: 0 }), 1);
});

test("blasts: a keyed create_blast is resent with its same key after a drop, answered once", async () => {
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    backoff: { initialMs: 2, random: () => 0 },
  });
  client.connect();
  const first = FakeSocket.all.at(-1)!;
  first.open();
  await tick();
  first.receive(welcome);
  const answer = client.request({
    type: "create_blast",
    team: 1,
    key: "k1",
    name: "Spring",
    audience: { tag: "python" },
    template: "Hi {{first_name|there}}",
  });
  await tick();
  assert.equal(first.sent.filter((f) => f.type === "create_blast").length, 1);
  first.drop(1006);
  await new Promise((done) => setTimeout(done, 20));
  const second = FakeSocket.all.at(-1)!;
  assert.notEqual(second, first);
  second.open();
  await tick();
  second.receive(welcome);
  await tick();
  const resent = second.sent.find((f) => f.type === "create_blast");
  assert.equal(resent?.key, "k1");
  second.receive({ type: "result", id: resent?.id, result: { type: "blast", ...blast(7, 0) } });
  const reply = await answer;
  assert.equal(reply.id, 7);
  assert.equal(reply.status, "running");
  client.close();
});
