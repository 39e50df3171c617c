// The conversation's side panel and who is here, end to end: the demo
// Manager and a demo Member open the same conversation, each sees the
// other viewing, typing and online; the Manager edits the contact in the
// panel and the Member sees it live (panel and dashboard row); a refused
// edit shows the server's reason by the field and changes nothing; the
// Member reads, the Manager sees "Seen by". Then history paging: a
// conversation of three pages loads its older pages as it is scrolled
// up, without the view jumping, each message once and in order.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  DEMO_CONTACT,
  launchBrowser,
  MEMBER,
  needsBrowser,
  openConversation,
  screenshot,
  signedInOnDashboard,
  startServer,
} from "./harness.js";

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

const CONTACT = DEMO_CONTACT;

/**
 * Edits one field of the contact panel by keyboard: Edit, type, Enter.
 * @param {import("playwright-core").Page} page
 * @param {"name" | "email" | "phone"} field
 * @param {string} value
 */
async function editContact(page, field, value) {
  const panel = page.getByRole("complementary", { name: "Contact" });
  await panel.getByRole("button", { name: `Edit ${field}` }).click();
  const input = panel.locator(`#contact-${field}`);
  await input.fill(value);
  await input.press("Enter");
}

test("two agents: viewing, typing, online, a live contact edit, a refused one, seen by", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium = await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);
  const sam = await signedInOnDashboard(chromium.browser, server.url, MEMBER);

  // Each sees the other online in the side nav.
  await maya.page
    .getByTestId("online-user")
    .filter({ hasText: MEMBER.name })
    .waitFor();
  await sam.page
    .getByTestId("online-user")
    .filter({ hasText: DEMO.name })
    .waitFor();

  await openConversation(maya.page, CONTACT);
  await openConversation(sam.page, CONTACT);

  // Each sees the other viewing, never themselves.
  await maya.page
    .getByTestId("viewers")
    .filter({ hasText: "Sam Member is viewing" })
    .waitFor();
  await sam.page
    .getByTestId("viewers")
    .filter({ hasText: "Maya Manager is viewing" })
    .waitFor();
  assert.doesNotMatch(
    await maya.page.getByTestId("viewers").innerText(),
    /Maya/,
  );

  // Each sees the other typing.
  await sam.page
    .getByRole("textbox", { name: "Message" })
    .pressSequentially("On it");
  await maya.page
    .getByTestId("typing")
    .filter({ hasText: "Sam Member is typing…" })
    .waitFor();
  await maya.page
    .getByRole("textbox", { name: "Message" })
    .pressSequentially("Thanks");
  await sam.page
    .getByTestId("typing")
    .filter({ hasText: "Maya Manager is typing…" })
    .waitFor();
  await screenshot(sam.page, "viewing");

  // Both panels show the contact as the demo seeds it.
  const mayaPanel = maya.page.getByRole("complementary", { name: "Contact" });
  const samPanel = sam.page.getByRole("complementary", { name: "Contact" });
  await mayaPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: CONTACT })
    .waitFor();
  assert.equal(
    await samPanel.getByTestId("contact-phone-value").innerText(),
    "+1 555 0142",
  );

  // Maya edits the name and the phone, by keyboard; focus returns to Edit.
  const renamed = "Jordan Lee-Smith";
  await editContact(maya.page, "name", renamed);
  await mayaPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: renamed })
    .waitFor();
  await mayaPanel
    .getByRole("button", { name: "Edit name" })
    .and(maya.page.locator(":focus"))
    .waitFor();
  await editContact(maya.page, "phone", "+1 555 0100");
  await mayaPanel
    .getByTestId("contact-phone-value")
    .filter({ hasText: "+1 555 0100" })
    .waitFor();

  // Sam sees both live, in his panel and his dashboard row.
  await samPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: renamed })
    .waitFor();
  await samPanel
    .getByTestId("contact-phone-value")
    .filter({ hasText: "+1 555 0100" })
    .waitFor();
  await sam.page
    .getByTestId("dashboard-row")
    .filter({ hasText: renamed })
    .waitFor();
  await screenshot(maya.page, "contact-panel");

  // An empty name: the server's reason by the field; nothing changes.
  await editContact(maya.page, "name", "   ");
  const refusal = mayaPanel.getByRole("alert");
  await refusal.waitFor();
  assert.match(await refusal.innerText(), /name may not be empty/);
  const nameInput = mayaPanel.locator("#contact-name");
  assert.equal(await nameInput.getAttribute("aria-invalid"), "true");
  assert.equal(await nameInput.inputValue(), "   ");
  await screenshot(maya.page, "contact-panel-refused");
  await nameInput.press("Escape");
  await mayaPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: renamed })
    .waitFor();
  await mayaPanel
    .getByRole("button", { name: "Edit name" })
    .and(maya.page.locator(":focus"))
    .waitFor();
  assert.equal(
    await samPanel.getByTestId("contact-name-value").innerText(),
    renamed,
  );
  await maya.page.reload();
  await openConversation(maya.page, renamed);
  await mayaPanel
    .getByTestId("contact-name-value")
    .filter({ hasText: renamed })
    .waitFor();

  // Maya writes; Sam has it open, so he reads it; Maya sees it under it.
  const text = "Their references check out";
  await maya.page.getByRole("textbox", { name: "Message" }).fill(text);
  await maya.page.keyboard.press("Enter");
  await sam.page.getByTestId("message").filter({ hasText: text }).waitFor();
  const seen = maya.page.locator(
    `[data-testid=message]:has-text("${text}") + [data-testid=seen-by]`,
  );
  await seen.filter({ hasText: "Seen by Sam Member" }).waitFor();
  assert.equal(await maya.page.getByTestId("seen-by").count(), 1);
  await screenshot(maya.page, "seen-by");

  assert.deepEqual(maya.problems, []);
  assert.deepEqual(sam.problems, []);
  await maya.context.close();
  await sam.context.close();
});

const PAGED = "Paging Test";
const COUNT = 130;

/** The body of the n-th paged message: numbered, so order shows. */
function pagedBody(/** @type {number} */ n) {
  return `Paged message ${String(n).padStart(3, "0")}`;
}

test("history pages as it is scrolled up, without jumps, each message once", async (t) => {
  if (!needsBrowser(t) || server === undefined) return;
  chromium ??= await launchBrowser();
  const maya = await signedInOnDashboard(chromium.browser, server.url, DEMO);

  // A conversation of three pages, posted over a WebSocket of Maya's session.
  const posted = await maya.page.evaluate(
    async ({ contact, bodies }) => {
      const answer = await fetch("/api/ws-ticket", {
        method: "POST",
        credentials: "same-origin",
      });
      const { ticket } = /** @type {{ticket: string}} */ (await answer.json());
      const socket = new WebSocket(
        `ws://${location.host}/ws`,
        "switchboard.v1.json",
      );
      /** @type {Map<number, (frame: any) => void>} */
      const waiting = new Map();
      let next = 1;
      /** @param {object} request */
      const call = (request) =>
        new Promise((done) => {
          const id = next++;
          waiting.set(id, done);
          socket.send(JSON.stringify({ ...request, id }));
        });
      const welcome = await new Promise((done) => {
        socket.onopen = () =>
          socket.send(
            JSON.stringify({ type: "hello", version: 1, token: ticket }),
          );
        socket.onmessage = (event) => {
          const frame = JSON.parse(String(event.data));
          if (frame.type === "welcome") done(frame);
          else waiting.get(frame.id)?.(frame);
        };
      });
      const team = welcome.teams.find(
        (/** @type {{name: string}} */ t) => t.name === "Recruiting",
      ).id;
      const started = await call({
        type: "start_conversation",
        team,
        contact: { name: contact },
      });
      const conversation = started.result.id;
      const replies = [];
      for (const [i, body] of bodies.entries()) {
        replies.push(
          await call({
            type: "send",
            conversation,
            client_msg_id: `paged-${String(i)}`,
            body,
          }),
        );
      }
      socket.close();
      return replies.filter((r) => r.type === "result").length;
    },
    {
      contact: PAGED,
      bodies: Array.from({ length: COUNT }, (_, i) => pagedBody(i + 1)),
    },
  );
  assert.equal(posted, COUNT);

  await openConversation(maya.page, PAGED);
  const timeline = maya.page.getByRole("list", { name: "Messages" });
  const messages = timeline.getByTestId("message");
  await messages.filter({ hasText: pagedBody(COUNT) }).waitFor();
  assert.equal(await messages.count(), 50);

  // Scrolled to the top twice: each time an older page loads above, and
  // the message that was on top is still in view.
  for (const [top, shown] of [
    [COUNT - 49, 100],
    [COUNT - 99, COUNT],
  ]) {
    const first = messages.filter({ hasText: pagedBody(top) });
    await timeline.evaluate((el) => {
      el.scrollTop = 0;
    });
    await maya.page.waitForFunction(
      (n) => document.querySelectorAll("[data-testid=message]").length === n,
      shown,
    );
    await maya.page.waitForFunction((body) => {
      const list = document.querySelector("ol.timeline");
      const item = [...document.querySelectorAll("[data-testid=message]")].find(
        (el) => el.textContent?.includes(body),
      );
      if (!list || !item) return false;
      const box = list.getBoundingClientRect();
      const at = item.getBoundingClientRect();
      return at.top >= box.top && at.bottom <= box.bottom;
    }, pagedBody(top));
    assert.ok(await first.isVisible());
  }
  await screenshot(maya.page, "history-paging");

  const bodies = await messages.locator(".body").allInnerTexts();
  assert.deepEqual(
    bodies,
    Array.from({ length: COUNT }, (_, i) => pagedBody(i + 1)),
  );
  assert.equal(
    await timeline.getByText("Scroll up for older messages").count(),
    0,
  );
  assert.deepEqual(maya.problems, []);
  await maya.context.close();
});
