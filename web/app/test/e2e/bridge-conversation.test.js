// A bridge's conversation as the agents see it, end to end. The demo
// Manager (Maya) makes a bot of scope bridge (as an SMS gateway's bridge
// run with the SDK would be); it relays a text from a new number, whose
// conversation shows on her dashboard, its header naming the bridge and
// the number. Her answer's receipts from the bridge show under it live:
// "Sent", then "Delivered"; a second answer reported failed shows "Not
// delivered" with the reason; after a reload the history shows each
// message's latest delivery.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  launchBrowser,
  needsBrowser,
  signedInOnDashboard,
  startServer,
} from "./harness.js";
import { connect } from "./raw.js";

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;

before(async () => {
  server = await startServer();
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

const FROM = "+14155550199";

test("a bridge's conversation: its channel in the header, its answers sent, delivered, failed", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const { page, problems } = await signedInOnDashboard(
    chromium.browser,
    server.url,
    DEMO,
  );
  const maya = await connect(page);
  const session = await page.evaluate(async () =>
    (await fetch("/api/session")).json(),
  );
  const team = session.teams.find(
    (/** @type {{name: string}} */ x) => x.name === "Recruiting",
  ).id;
  const made = await maya.call({
    type: "create_bot",
    team,
    name: "Text gateway",
    scope: "bridge",
    key: "bridge-conversation-1",
  });
  const bridge = await connect(page, made.token);
  const relayed = await bridge.call({
    type: "relay",
    address: FROM,
    name: "Riley Text",
    client_msg_id: "in-1",
    body: "Is the night shift still open?",
  });
  const conversationId = relayed.conversation;

  await page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Riley Text" })
    .click();
  const conversation = page.getByRole("region", { name: "Conversation" });
  await conversation
    .getByTestId("channel")
    .filter({ hasText: `Text gateway · ${FROM}` })
    .waitFor();

  /**
   * Sends `body` from the composer and returns its seq once stored.
   * @param {string} body
   */
  async function answer(body) {
    await page.getByLabel("Message", { exact: true }).fill(body);
    await page.keyboard.press("Enter");
    const line = conversation.getByTestId("message").filter({ hasText: body });
    await line.and(page.locator('[data-state="sent"]')).waitFor();
    const history = await maya.call({
      type: "history",
      conversation: conversationId,
      limit: 10,
    });
    const stored = history.messages.find(
      (/** @type {{body: string}} */ m) => m.body === body,
    );
    assert.ok(stored, `${body} is stored`);
    return { line, seq: stored.seq };
  }

  const first = await answer("Yes! Want a call?");
  await bridge.call({
    type: "receipt",
    conversation: conversationId,
    seq: first.seq,
    status: "sent",
  });
  await first.line
    .getByTestId("delivery")
    .filter({ hasText: "Sent" })
    .waitFor();
  await bridge.call({
    type: "receipt",
    conversation: conversationId,
    seq: first.seq,
    status: "delivered",
  });
  await first.line
    .getByTestId("delivery")
    .filter({ hasText: "Delivered" })
    .waitFor();

  const second = await answer("Call me back?");
  await bridge.call({
    type: "receipt",
    conversation: conversationId,
    seq: second.seq,
    status: "failed",
    detail: "number unreachable",
  });
  await second.line
    .getByTestId("delivery")
    .filter({ hasText: "Not delivered: number unreachable" })
    .waitFor();

  // After a reload, the history carries each message's latest delivery.
  await page.reload();
  await page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Riley Text" })
    .click();
  await first.line
    .getByTestId("delivery")
    .filter({ hasText: "Delivered" })
    .waitFor();
  await second.line
    .getByTestId("delivery")
    .filter({ hasText: "Not delivered: number unreachable" })
    .waitFor();
  assert.deepEqual(problems, []);
});
