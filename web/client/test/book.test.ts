// The contact book and posts through the client, against a fake socket:
// keyed writes (create, edit, merge a contact; create, edit a post) are
// resent with their same key after a drop and answered once; a refusal
// (a phone of another contact) reaches the caller and leaves the outbox;
// plain reads are never resent; a message carries its post; the book's
// events reach the team's handler as they came.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SwitchboardClient, type ContactCard, type EventFrame } from "../src/index.js";
import { FakeSocket, tick, welcome } from "./fake.js";

const card: ContactCard = {
  id: 9,
  team: 1,
  name: "Ada Lovelace",
  phones: ["+14155550123"],
  emails: ["ada@example.com"],
  tags: ["python"],
  fields: { city: "London" },
  notes: "",
  created_at: 1,
  updated_at: 2,
};

async function opened(): Promise<{ client: SwitchboardClient; socket: FakeSocket }> {
  const client = new SwitchboardClient({
    url: "ws://x/ws",
    token: "t",
    WebSocket: FakeSocket,
    backoff: { initialMs: 2, random: () => 0 },
  });
  client.connect();
  const socket = FakeSocket.all.at(-1)!;
  socket.open();
  await tick();
  socket.receive(welcome);
  return { client, socket };
}

test("book: a keyed create_contact is resent with its key after a drop and answered once", async () => {
  FakeSocket.all = [];
  const { client, socket: first } = await opened();
  const saved = client.request({
    type: "create_contact",
    team: 1,
    key: "c-1",
    contact: { name: "Ada Lovelace", phones: ["+1 415 555 0123"] },
  });
  const written = first.sent.find((f) => f.type === "create_contact")!;
  assert.equal(written.key, "c-1");
  assert.deepEqual(written.contact, { name: "Ada Lovelace", phones: ["+1 415 555 0123"] });
  first.drop(1006);
  await tick();
  await tick();
  const second = FakeSocket.all.at(-1)!;
  assert.notEqual(second, first);
  second.open();
  await tick();
  second.receive(welcome);
  const again = second.sent.filter((f) => f.type === "create_contact");
  assert.equal(again.length, 1);
  assert.equal(again[0]!.key, "c-1");
  second.receive({
    type: "result",
    id: again[0]!.id,
    result: { type: "contact_saved", contact: card, merged: true },
  });
  const reply = await saved;
  assert.equal(reply.type, "contact_saved");
  assert.equal(reply.merged, true);
  assert.deepEqual(reply.contact.phones, ["+14155550123"]);
  assert.equal(client.outbox.size, 0);
  client.close();
});

test("book: an edit refused with conflict rejects its caller and leaves the outbox", async () => {
  FakeSocket.all = [];
  const { client, socket } = await opened();
  const edit = client.request({
    type: "edit_contact",
    team: 1,
    contact: 9,
    key: "e-1",
    changes: { phones: ["+14155550199"] },
  });
  const frame = socket.sent.find((f) => f.type === "edit_contact")!;
  assert.deepEqual(frame.changes, { phones: ["+14155550199"] });
  socket.receive({
    type: "error",
    id: frame.id,
    code: "conflict",
    message: "conflict: +14155550199 belongs to another contact (12)",
  });
  await assert.rejects(edit, { name: "RequestError", code: "conflict" });
  assert.equal(client.outbox.size, 0);
  client.close();
});

test("book: merge and post writes are keyed; a contacts search is not resent after a drop", async () => {
  FakeSocket.all = [];
  const { client, socket } = await opened();
  const search = client.request({
    type: "contacts",
    team: 1,
    query: { text: "ada", tag: "python", limit: 20 },
  });
  void client.request({ type: "merge_contacts", team: 1, into: 9, from: 12, key: "m-1" });
  void client.request({
    type: "create_post",
    team: 1,
    key: "p-1",
    post: { title: "Backend engineer", location: "Lisbon" },
  });
  void client.request({
    type: "edit_post",
    team: 1,
    post: 4,
    key: "p-2",
    changes: { status: "closed" },
  });
  assert.deepEqual(
    socket.sent.filter((f) => f.type !== "hello").map((f) => [f.type, f.key]),
    [
      ["contacts", undefined],
      ["merge_contacts", "m-1"],
      ["create_post", "p-1"],
      ["edit_post", "p-2"],
    ],
  );
  assert.equal(client.outbox.size, 3);
  socket.drop(1006);
  await assert.rejects(search, { name: "DisconnectedError" });
  await tick();
  await tick();
  const second = FakeSocket.all.at(-1)!;
  second.open();
  await tick();
  second.receive(welcome);
  assert.deepEqual(second.sent.map((f) => f.type).sort(), [
    "create_post",
    "edit_post",
    "hello",
    "merge_contacts",
  ]);
  client.close();
});

test("book: a message sent with a post carries its id; one without carries none", async () => {
  FakeSocket.all = [];
  const { client, socket } = await opened();
  client.send(5, "", "k-post", 4);
  client.send(5, "plain", "k-plain");
  const sends = socket.sent.filter((f) => f.type === "send");
  assert.equal(sends[0]!.post, 4);
  assert.equal(sends[0]!.body, "");
  assert.equal("post" in sends[1]!, false);
  client.close();
});

test("book: contact, post and import events reach the team's handler in order", async () => {
  FakeSocket.all = [];
  const { client, socket } = await opened();
  const seen: EventFrame[] = [];
  client.subscribe(1, { onEvent: (frame) => seen.push(frame) });
  const subscribe = socket.sent.find((f) => f.type === "subscribe")!;
  socket.receive({
    type: "result",
    id: subscribe.id,
    result: {
      type: "subscribed",
      team: 1,
      epoch: 1,
      offset: 10,
      head: 10,
      replayed: 0,
      live: true,
      resume: "fresh",
    },
  });
  const events = [
    { type: "contact_changed", contact: card, conversations: [5] },
    { type: "contacts_merged", into: card, from: 12, conversations: [5, 6] },
    { type: "contact_deleted", contact: 13, conversations: [] },
    { type: "contact_fields", fields: [{ key: "city", label: "City", kind: "text" }] },
    {
      type: "post_changed",
      id: 4,
      team: 1,
      kind: "job",
      title: "Backend engineer",
      body: "",
      link: null,
      location: "Lisbon",
      status: "open",
      created_by: 3,
      created_at: 1,
      updated_at: 1,
    },
    {
      type: "import_progress",
      job: 2,
      lines: 500,
      created: 480,
      merged: 15,
      rejected: 5,
      done: false,
    },
  ];
  events.forEach((event, i) => {
    socket.receive({ type: "event", team: 1, offset: 11 + i, event });
  });
  // A replayed offset is applied once.
  socket.receive({ type: "event", team: 1, offset: 11, event: events[0] });
  assert.deepEqual(
    seen.map((f) => f.event.type),
    [
      "contact_changed",
      "contacts_merged",
      "contact_deleted",
      "contact_fields",
      "post_changed",
      "import_progress",
    ],
  );
  const merged = seen[1]!.event;
  assert.ok(merged.type === "contacts_merged");
  assert.equal(merged.into.name, "Ada Lovelace");
  assert.deepEqual(merged.conversations, [5, 6]);
  client.close();
});
