// The contact book and job posts through the client against a real
// `switchboard` server: a post created with a key, attached to a message
// that both agents receive carrying its card; a contact created, a second
// one with the same email merged into it, an edit reaching the other
// agent as `contact_changed`, and a search finding it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { WebSocket } from "ws";
import {
  SwitchboardClient,
  type EventFrame,
  type Id,
  type WebSocketConstructor,
} from "../src/index.js";
import { TestServer } from "./server.js";

const MAYA = "maya@demo.switchboard.test";
const SAM = "sam@demo.switchboard.test";
const LIMIT = { timeout: 60_000 };

let server: TestServer;
const clients: SwitchboardClient[] = [];
before(async () => {
  server = await TestServer.start();
});
after(async () => {
  for (const c of clients) c.close();
  await server.dispose();
});

async function until(what: string, check: () => boolean, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A client of `email`, connected and subscribed to its first team. */
async function agent(
  email: string,
): Promise<{ c: SwitchboardClient; team: Id; events: EventFrame[] }> {
  const c = new SwitchboardClient({
    url: server.url,
    token: server.token(email),
    WebSocket: WebSocket as unknown as WebSocketConstructor,
    backoff: { initialMs: 100, maxMs: 400 },
  });
  clients.push(c);
  c.connect();
  await until("welcome", () => c.state === "open");
  const team = c.welcome!.teams[0]!.id;
  const events: EventFrame[] = [];
  let live = false;
  c.subscribe(team, { onEvent: (e) => events.push(e), onSubscribed: (r) => (live = r.live) });
  await until("subscribed", () => live);
  return { c, team, events };
}

test("a keyed post, attached to a message: both agents get its card", LIMIT, async () => {
  const maya = await agent(MAYA);
  const sam = await agent(SAM);
  const draft = { title: "Data engineer", location: "Porto", link: "https://jobs.example.com/de" };
  const post = await maya.c.request({
    type: "create_post",
    team: maya.team,
    key: "p-ts-1",
    post: draft,
  });
  assert.equal(post.type, "post");
  assert.equal(post.status, "open");
  // The same key again: the same post, not a second one.
  const again = await maya.c.request({
    type: "create_post",
    team: maya.team,
    key: "p-ts-1",
    post: draft,
  });
  assert.equal(again.id, post.id);
  await until("post_changed at Sam", () =>
    sam.events.some((e) => e.event.type === "post_changed" && e.event.id === post.id),
  );
  const started = await maya.c.request({
    type: "start_conversation",
    team: maya.team,
    contact: { name: "Post Reader" },
  });
  const { settled } = maya.c.send(started.id, "", "ts-post-1", post.id);
  assert.equal((await settled).state, "sent");
  await until("the card at Sam", () =>
    sam.events.some((e) => e.event.type === "message" && e.event.client_msg_id === "ts-post-1"),
  );
  const message = sam.events.find(
    (e) => e.event.type === "message" && e.event.client_msg_id === "ts-post-1",
  )!.event;
  assert.ok(message.type === "message");
  assert.deepEqual(message.post, {
    id: post.id,
    title: "Data engineer",
    location: "Porto",
    link: "https://jobs.example.com/de",
    status: "open",
  });
});

test(
  "a contact created, a duplicate merged, an edit live at another agent, found by search",
  LIMIT,
  async () => {
    const maya = await agent(MAYA);
    const sam = await agent(SAM);
    const created = await maya.c.request({
      type: "create_contact",
      team: maya.team,
      key: "c-ts-1",
      contact: {
        name: "Grace Hopper",
        emails: [" Grace@Navy.example "],
        phones: ["+1 202 555 0143"],
      },
    });
    assert.equal(created.merged, false);
    assert.deepEqual(created.contact.emails, ["grace@navy.example"]);
    assert.deepEqual(created.contact.phones, ["+12025550143"]);
    const duplicate = await maya.c.request({
      type: "create_contact",
      team: maya.team,
      key: "c-ts-2",
      contact: { name: "G. Hopper", emails: ["grace@navy.example"], tags: ["cobol"] },
    });
    assert.equal(duplicate.merged, true);
    assert.equal(duplicate.contact.id, created.contact.id);
    assert.deepEqual(duplicate.contact.tags, ["cobol"]);
    const edited = await maya.c.request({
      type: "edit_contact",
      team: maya.team,
      contact: created.contact.id,
      key: "c-ts-3",
      changes: { notes: "Met at the conference" },
    });
    assert.equal(edited.contact.notes, "Met at the conference");
    await until("contact_changed at Sam", () =>
      sam.events.some(
        (e) =>
          e.event.type === "contact_changed" &&
          e.event.contact.id === created.contact.id &&
          e.event.contact.notes === "Met at the conference",
      ),
    );
    const found = await sam.c.request({
      type: "contacts",
      team: sam.team,
      query: { text: "hopp" },
    });
    assert.deepEqual(
      found.contacts.map((c) => c.id),
      [created.contact.id],
    );
    const byTag = await sam.c.request({
      type: "contacts",
      team: sam.team,
      query: { tag: "cobol" },
    });
    assert.equal(byTag.contacts.length, 1);
  },
);
