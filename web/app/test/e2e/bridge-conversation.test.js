// A bridge's conversation as the agents see it, end to end against a fake
// SMS gateway (a Node HTTP server on a loopback port). The demo Manager
// (Maya) has a webhook bridge; a text signed with its secret comes in,
// and its conversation shows on her dashboard, its header naming the
// bridge and the sender's number. Her answer reaches the gateway and
// shows "Sent"; the gateway's "delivered" turns it "Delivered"; a second
// answer it reports failed shows "Not delivered" with the reason.

import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { createServer } from "node:http";
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
/** @type {import("node:http").Server | undefined} */
let gateway;
/** What the gateway received, in order. */
/** @type {{ref: string, to: string, body: string}[]} */
const received = [];

before(async () => {
  server = await startServer();
  gateway = createServer((request, response) => {
    let text = "";
    request.setEncoding("utf8");
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      received.push(JSON.parse(text));
      response.writeHead(200, { "Content-Type": "application/json" });
      response.end("{}");
    });
  });
  await new Promise((done) => gateway?.listen(0, "127.0.0.1", () => done(0)));
});

after(async () => {
  await chromium?.close();
  await server?.stop();
  gateway?.close();
});

const FROM = "+14155550199";

/**
 * POSTs `body` to the bridge's `path`, signed with `secret` as a gateway
 * does, and returns the answer's status and JSON.
 * @param {string} path
 * @param {string} secret
 * @param {object} body
 */
async function signedPost(path, secret, body) {
  const raw = JSON.stringify(body);
  const signature = createHmac("sha256", secret).update(raw).digest("hex");
  const response = await fetch(`${server?.url ?? ""}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Switchboard-Signature": `sha256=${signature}`,
    },
    body: raw,
  });
  return { status: response.status, json: await response.json() };
}

/**
 * Waits until the gateway has received `count` messages.
 * @param {number} count
 */
async function gatewayGot(count) {
  for (let i = 0; i < 200 && received.length < count; i += 1)
    await new Promise((done) => setTimeout(done, 50));
  assert.equal(received.length, count, "the gateway got the answer");
  return received[count - 1];
}

test("a bridge's conversation: its channel in the header, its answers sent, delivered, failed", async (t) => {
  if (!needsBrowser(t) || server === undefined || gateway === undefined) return;
  chromium = await launchBrowser();
  const { page, problems } = await signedInOnDashboard(
    chromium.browser,
    server.url,
    DEMO,
  );
  const raw = await connect(page);
  const session = await page.evaluate(async () =>
    (await fetch("/api/session")).json(),
  );
  const team = session.teams.find(
    (/** @type {{name: string}} */ x) => x.name === "Recruiting",
  ).id;
  const address = /** @type {{port: number}} */ (gateway.address());
  const made = await raw.call({
    type: "create_bridge",
    team,
    name: "Text gateway",
    outbound_url: `http://127.0.0.1:${String(address.port)}/sms`,
    key: "bridge-conversation-1",
  });
  const bridge = made.bridge.id;

  const inbound = await signedPost(
    `/api/bridges/${String(bridge)}/messages`,
    made.secret,
    {
      id: "in-1",
      from: FROM,
      body: "Is the night shift still open?",
      name: "Riley Text",
    },
  );
  assert.equal(inbound.status, 200, JSON.stringify(inbound.json));

  await page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Riley Text" })
    .click();
  const conversation = page.getByRole("region", { name: "Conversation" });
  await conversation
    .getByTestId("channel")
    .filter({ hasText: `Text gateway · ${FROM}` })
    .waitFor();

  // An answer: to the gateway, then "Sent", then "Delivered".
  await page.getByLabel("Message", { exact: true }).fill("Yes! Want a call?");
  await page.keyboard.press("Enter");
  const first = await gatewayGot(1);
  assert.equal(first.to, FROM);
  assert.equal(first.body, "Yes! Want a call?");
  const answer = conversation
    .getByTestId("message")
    .filter({ hasText: "Yes! Want a call?" });
  await answer
    .getByTestId("delivery")
    .filter({ hasText: "Sent" })
    .waitFor({ timeout: 15_000 });
  const delivered = await signedPost(
    `/api/bridges/${String(bridge)}/status`,
    made.secret,
    { ref: first.ref, status: "delivered" },
  );
  assert.equal(delivered.status, 200, JSON.stringify(delivered.json));
  await answer
    .getByTestId("delivery")
    .filter({ hasText: "Delivered" })
    .waitFor();

  // A second answer the carrier refuses: "Not delivered" and why.
  await page.getByLabel("Message", { exact: true }).fill("Call me back?");
  await page.keyboard.press("Enter");
  const second = await gatewayGot(2);
  const failed = await signedPost(
    `/api/bridges/${String(bridge)}/status`,
    made.secret,
    { ref: second.ref, status: "failed", detail: "number unreachable" },
  );
  assert.equal(failed.status, 200, JSON.stringify(failed.json));
  await conversation
    .getByTestId("message")
    .filter({ hasText: "Call me back?" })
    .getByTestId("delivery")
    .filter({ hasText: "Not delivered: number unreachable" })
    .waitFor();

  // After a reload, the history carries each message's latest delivery.
  await page.reload();
  await page
    .getByTestId("dashboard-row")
    .filter({ hasText: "Riley Text" })
    .click();
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("delivery")
    .filter({ hasText: "Delivered" })
    .waitFor();
  assert.deepEqual(problems, []);
});
