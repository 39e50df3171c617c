// An app kept open all day, end to end.
//
// (a) Alerts: with notifications granted and the page hidden, a contact
// writing makes a conversation wait: a desktop notification names the
// contact, the title counts "(1)"; a click on it opens the conversation;
// visible again, the count clears; with notifications off in Preferences,
// the title still counts but no notification fires.
// Headless Chromium reports every page "visible" whatever is tried (a
// second page brought to the front, a minimised window, a background
// target, focus emulation off), so the test drives the Page Visibility
// API itself: an init script makes `document.visibilityState` read
// "hidden" and fires `visibilitychange`, exactly what the app reads.
// `window.Notification` is wrapped to record each notification made,
// and the Web Audio API to count the tones of the sound.
// (b) Installable: the manifest is served and valid, its icons load, the
// service worker controls the page after a reload, and its cache holds
// the app shell and nothing of /api or /ws.
// (c) A phone-sized screen: the inbox shows the list; a conversation
// opens alone with a Back button, which returns to the list; the side
// navigation is behind a menu button.
// (d) The dark theme follows the system, and Preferences overrides it.
// axe-core runs at desktop and phone sizes, light and dark.

import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  DEMO,
  checkA11y,
  launchBrowser,
  needsBrowser,
  signIn,
  screenshot,
  startServer,
} from "./harness.js";
import { contactWrites } from "./contacts.js";

/** @type {Awaited<ReturnType<typeof startServer>> | undefined} */
let server;
/** @type {Awaited<ReturnType<typeof launchBrowser>> | undefined} */
let chromium;

before(async () => {
  server = await startServer();
  chromium = await launchBrowser();
});

after(async () => {
  await chromium?.close();
  await server?.stop();
});

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1200, height: 760 };

/**
 * The init script of test (a): a switch for the page's visibility, and
 * a record of every Notification made.
 */
function alertsHarness() {
  let hidden = false;
  Object.defineProperty(Document.prototype, "visibilityState", {
    configurable: true,
    get: () => (hidden ? "hidden" : "visible"),
  });
  Object.defineProperty(Document.prototype, "hidden", {
    configurable: true,
    get: () => hidden,
  });
  const w = /** @type {any} */ (window);
  /** @param {boolean} value */
  w.setHidden = (value) => {
    hidden = value;
    document.dispatchEvent(new Event("visibilitychange"));
  };
  const Real = window.Notification;
  /** @type {{title: string, body: string}[]} */
  w.notifications = [];
  class Recorded extends Real {
    /**
     * @param {string} title
     * @param {NotificationOptions} [options]
     */
    constructor(title, options) {
      super(title, options);
      w.notifications.push({ title, body: options?.body ?? "" });
      w.lastNotification = this;
    }
  }
  Object.defineProperty(Recorded, "permission", {
    get: () => Real.permission,
  });
  w.Notification = Recorded;
  // The sound: tones made by the Web Audio API, counted.
  w.tones = 0;
  const oscillator = AudioContext.prototype.createOscillator;
  AudioContext.prototype.createOscillator = function () {
    w.tones++;
    return oscillator.call(this);
  };
}

/**
 * Shows a page from the page navigation.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
async function goTo(page, name) {
  await page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name })
    .click();
}

test("hidden tab: a notification and a title count for a conversation waiting on me", async (t) => {
  if (!needsBrowser(t) || server === undefined || chromium === undefined)
    return;
  const { context, page, problems } = await signIn(
    chromium.browser,
    server.url,
    DEMO,
  );
  await context.grantPermissions(["notifications"], { origin: server.url });
  await context.addInitScript(alertsHarness);
  await page.reload();
  await page.getByTestId("dashboard-row").first().waitFor();

  // Preferences: everything on by default, the permission granted.
  await goTo(page, "Preferences");
  const notify = page.getByRole("switch", { name: "Desktop notifications" });
  assert.equal(await notify.isChecked(), true);
  assert.equal(
    await page
      .getByRole("switch", { name: "Count in the tab's title" })
      .isChecked(),
    true,
  );
  await page
    .getByTestId("notify-permission")
    .filter({ hasText: "shows Switchboard's notifications" })
    .waitFor();
  // The sound is off until chosen.
  const sound = page.getByRole("switch", { name: "Sound" });
  assert.equal(await sound.isChecked(), false);
  await sound.click();
  await screenshot(page, "preferences");
  await checkA11y(page, "preferences");
  await page.setViewportSize(PHONE);
  await checkA11y(page, "preferences-phone");
  await page.setViewportSize(DESKTOP);
  await goTo(page, "Inbox");
  await page.getByTestId("dashboard-row").first().waitFor();

  // Hidden: a contact writes to a conversation of Sam's: not on me, no
  // notification; then to nobody's: on me.
  await page.evaluate(() => /** @type {any} */ (window).setHidden(true));
  assert.equal(await page.evaluate(() => document.visibilityState), "hidden");
  await contactWrites(
    page,
    "Recruiting",
    { name: "Ada Sams", says: "Sam said he would call me back." },
    "sam",
  );
  const first = { name: "Nora Quist", says: "Is the morning shift open?" };
  await contactWrites(page, "Recruiting", first);
  await page.waitForFunction(
    () => /** @type {any} */ (window).notifications.length === 1,
  );
  const [made] = await page.evaluate(
    () => /** @type {any} */ (window).notifications,
  );
  assert.match(made.title, /Nora Quist/);
  assert.match(made.body, /Recruiting: Is the morning shift open\?/);
  await page.waitForFunction(() => document.title === "(1) Switchboard");
  assert.ok(await page.evaluate(() => /** @type {any} */ (window).tones > 0));

  // A click on it opens the conversation.
  await page.evaluate(() =>
    /** @type {any} */ (window).lastNotification.dispatchEvent(
      new Event("click"),
    ),
  );
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .filter({ hasText: first.says })
    .waitFor();

  // Visible again: the count clears.
  await page.evaluate(() => /** @type {any} */ (window).setHidden(false));
  await page.waitForFunction(() => document.title === "Switchboard");

  // Notifications off: hidden, another contact writes; the title counts
  // it (so the app saw it), and no notification is made.
  await goTo(page, "Preferences");
  await notify.click();
  assert.equal(await notify.isChecked(), false);
  await page.evaluate(() => /** @type {any} */ (window).setHidden(true));
  await contactWrites(page, "Recruiting", {
    name: "Omar Ruiz",
    says: "Do you sponsor forklift licences?",
  });
  await page.waitForFunction(() => document.title === "(1) Switchboard");
  assert.equal(
    await page.evaluate(() => /** @type {any} */ (window).notifications.length),
    1,
  );
  // The setting is kept for the next visit.
  await page.reload();
  await page.getByTestId("user-name").waitFor();
  assert.equal(
    await page
      .getByRole("switch", { name: "Desktop notifications" })
      .isChecked(),
    false,
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test("installable: a valid manifest, a service worker caching the app shell only", async (t) => {
  if (!needsBrowser(t) || server === undefined || chromium === undefined)
    return;
  const url = server.url;
  const { context, page, problems } = await signIn(chromium.browser, url, DEMO);
  await page.getByTestId("dashboard-row").first().waitFor();

  const link = await page.locator('link[rel="manifest"]').getAttribute("href");
  assert.equal(link, "/manifest.webmanifest");
  const answer = await context.request.get(`${url}${link}`);
  assert.equal(answer.status(), 200);
  assert.equal(answer.headers()["content-type"], "application/manifest+json");
  const manifest = await answer.json();
  assert.equal(manifest.name, "Switchboard");
  assert.equal(manifest.start_url, "/");
  assert.equal(manifest.display, "standalone");
  assert.ok(manifest.theme_color);
  const sizes = manifest.icons.map((/** @type {any} */ i) => i.sizes);
  assert.ok(sizes.includes("192x192") && sizes.includes("512x512"), sizes);
  for (const icon of manifest.icons) {
    const image = await context.request.get(`${url}${icon.src}`);
    assert.equal(image.status(), 200, icon.src);
    assert.ok(image.headers()["content-type"]?.startsWith(icon.type));
  }

  // Registered by the app; in control after a reload.
  const script = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    return registration.active?.scriptURL;
  });
  assert.equal(script, `${url}/sw.js`);
  await page.reload();
  await page.getByTestId("dashboard-row").first().waitFor();
  assert.equal(
    await page.evaluate(() => navigator.serviceWorker.controller !== null),
    true,
  );
  // The app has read its session and dashboard through the worker by now.
  const cached = await page.evaluate(async () => {
    /** @type {string[]} */
    const paths = [];
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        paths.push(new URL(request.url).pathname);
      }
    }
    return paths;
  });
  assert.ok(cached.includes("/"), cached.join());
  assert.ok(cached.includes("/manifest.webmanifest"), cached.join());
  assert.ok(
    cached.some((p) => /^\/assets\/.+\.js$/.test(p)),
    cached.join(),
  );
  const data = cached.filter(
    (p) => p.startsWith("/api") || p.startsWith("/ws"),
  );
  assert.deepEqual(data, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("phone size: the list, then the conversation with Back; the menu; dark and light", async (t) => {
  if (!needsBrowser(t) || server === undefined || chromium === undefined)
    return;
  const { context, page, problems } = await signIn(
    chromium.browser,
    server.url,
    DEMO,
  );
  await page.setViewportSize(PHONE);
  const rows = page.getByTestId("dashboard-row");
  const conversation = page.getByRole("region", {
    name: "Conversation",
    exact: true,
  });
  const back = page.getByRole("button", { name: "Back", exact: true });
  const menu = page.getByRole("button", { name: "Menu" });
  const teams = page.getByRole("navigation", { name: "Teams" });

  // The list alone; the side navigation behind the menu button.
  await rows.first().waitFor();
  assert.equal(await teams.isVisible(), false);
  assert.equal(await menu.getAttribute("aria-expanded"), "false");
  await screenshot(page, "phone-inbox");
  await checkA11y(page, "phone-inbox");
  await menu.click();
  await teams.waitFor();
  assert.equal(await menu.getAttribute("aria-expanded"), "true");
  await checkA11y(page, "phone-menu");
  await page.keyboard.press("Escape");
  await teams.waitFor({ state: "hidden" });

  // A conversation: alone, with Back.
  await rows.filter({ hasText: "Jordan Lee" }).click();
  await conversation.getByTestId("message").first().waitFor();
  await back.waitFor();
  assert.equal(await rows.first().isVisible(), false);
  const width = await conversation.evaluate((el) => el.clientWidth);
  assert.ok(width > PHONE.width * 0.8, `conversation ${String(width)} px`);
  await screenshot(page, "phone-conversation");
  await checkA11y(page, "phone-conversation");
  await back.click();
  await rows.first().waitFor();
  await conversation.waitFor({ state: "detached" });
  assert.equal(await back.count(), 0);

  // Dark, from the system: the page's background is the dark one.
  const background = () =>
    page.evaluate(
      () => getComputedStyle(document.documentElement).backgroundColor,
    );
  assert.equal(await background(), "rgb(245, 246, 248)");
  await page.emulateMedia({ colorScheme: "dark" });
  assert.equal(await background(), "rgb(15, 17, 21)");
  await checkA11y(page, "dark-phone");
  await page.setViewportSize(DESKTOP);
  await rows.filter({ hasText: "Jordan Lee" }).click();
  await conversation.getByTestId("message").first().waitFor();
  await screenshot(page, "dark");
  await checkA11y(page, "dark");

  // Preferences overrides the system, and says so from the next load on.
  await goTo(page, "Preferences");
  await checkA11y(page, "dark-preferences");
  await page.getByRole("radio", { name: "Light" }).check();
  assert.equal(await background(), "rgb(245, 246, 248)");
  await page.reload();
  await page.getByRole("radio", { name: "Light" }).waitFor();
  assert.equal(await background(), "rgb(245, 246, 248)");
  await page.getByRole("radio", { name: "As the system" }).check();
  assert.equal(await background(), "rgb(15, 17, 21)");
  await page.emulateMedia({ colorScheme: "light" });
  await page.getByRole("radio", { name: "Dark" }).check();
  assert.equal(await background(), "rgb(15, 17, 21)");
  assert.deepEqual(problems, []);
  await context.close();
});
