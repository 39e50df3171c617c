// What the browser tests stand on: the real `switchboard` binary, started
// on a free loopback port with the demo seed in a fresh data folder, and
// a real headless Chromium (Debian's) driven by playwright-core, and an
// SMTP sink that keeps the mail the server sends. Nothing is downloaded:
// the browser is the system's.
//
// When Chromium is missing the tests skip, except under CI=true, where
// they fail: a CI run must never pass without running them.

import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, "../../../..");

/** Where screenshots go (gitignored). */
export const ARTIFACTS = resolve(here, "../../test-artifacts");

/** The demo Member (the demo seed): same password as the Manager. */
export const MEMBER = {
  email: "sam@demo.switchboard.test",
  name: "Sam Member",
};

/** The contact of the demo's first Recruiting conversation. */
export const DEMO_CONTACT = "Jordan Lee";

/** The demo Manager's login (README, "Run it"). */
export const DEMO = {
  email: "maya@demo.switchboard.test",
  password: "switchboard-demo",
  name: "Maya Manager",
  teams: ["Recruiting", "Candidate Support"],
};

const BINARY =
  process.env.SWITCHBOARD_BIN ?? join(repo, "target/debug/switchboard");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const START_TIMEOUT_MS = 30_000;
const MAIL_TIMEOUT_MS = 10_000;

/**
 * Skips the calling test when Chromium is missing, or throws under CI.
 * Returns whether the test may go on.
 * @param {import("node:test").TestContext} t
 */
export function needsBrowser(t) {
  if (existsSync(CHROMIUM)) return true;
  const message = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`;
  if (process.env.CI === "true") throw new Error(message);
  t.skip(message);
  return false;
}

/**
 * Starts `switchboard serve --demo` on a free loopback port. `restart`
 * stops it and starts it again on the same port and data folder (what a
 * browser sees as the server going away and coming back). `extra` are
 * more arguments for `serve` (an `--smtp-url`, say).
 * @param {string[]} [extra]
 * @returns {Promise<{url: string, stop: () => Promise<void>, restart: (downMs?: number) => Promise<void>}>}
 */
export async function startServer(extra = []) {
  if (!existsSync(BINARY)) {
    throw new Error(
      `no server binary at ${BINARY}: build it with \`cargo build -p switchboard-server\` (or set SWITCHBOARD_BIN)`,
    );
  }
  const data = await mkdtemp(join(tmpdir(), "switchboard-e2e-"));
  let running = await spawnServer(data, "127.0.0.1:0", extra);
  const address = running.address;

  return {
    url: `http://${address}`,
    async stop() {
      await running.stop();
      await rm(data, { recursive: true, force: true });
    },
    async restart(downMs = 0) {
      await running.stop();
      await new Promise((done) => setTimeout(done, downMs));
      running = await spawnServer(data, address, extra);
    },
  };
}

/**
 * Runs the binary on `listen` over `data` until it prints its address.
 * @param {string} data
 * @param {string} listen
 * @param {string[]} extra
 * @returns {Promise<{address: string, stop: () => Promise<void>}>}
 */
async function spawnServer(data, listen, extra) {
  const child = spawn(
    BINARY,
    ["serve", "--demo", "--listen", listen, "--data", data, ...extra],
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, RUST_LOG: process.env.RUST_LOG ?? "warn" },
    },
  );
  /** @type {string[]} */
  const stderr = [];
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (chunk) => {
    if (stderr.length < 200) stderr.push(String(chunk));
  });
  const exited = new Promise((done) => child.once("exit", done));

  /** @type {string} */
  const address = await new Promise((found, failed) => {
    const timer = setTimeout(() => {
      failed(
        new Error(
          `the server printed no address in ${START_TIMEOUT_MS} ms\n${stderr.join("")}`,
        ),
      );
    }, START_TIMEOUT_MS);
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      const match = /^listening on (\S+)$/.exec(line);
      if (match) {
        clearTimeout(timer);
        found(String(match[1]));
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      failed(
        new Error(
          `the server exited (${String(code)}) before listening\n${stderr.join("")}`,
        ),
      );
    });
  });

  return {
    address,
    async stop() {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Launches headless Chromium. Each launch gets a fresh profile: Playwright
 * passes Chromium a `--user-data-dir` of its own, new and temporary.
 * @returns {Promise<{browser: import("playwright-core").Browser, close: () => Promise<void>}>}
 */
export async function launchBrowser() {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
    timeout: START_TIMEOUT_MS,
  });
  return {
    browser,
    async close() {
      await browser.close();
    },
  };
}

/**
 * A fresh browser context of its own, signed in as `who` through the
 * login screen, with the page's problems watched (the logged-out session
 * check's 401 expected). Tests of the login itself drive it by hand.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 * @param {{email: string, name: string}} who
 */
export async function signIn(browser, url, who) {
  const context = await browser.newContext({
    viewport: { width: 1200, height: 760 },
  });
  context.setDefaultTimeout(10_000);
  const page = await context.newPage();
  const problems = await watchProblems(page, [
    { status: 401, path: "/api/session" },
  ]);
  await page.goto(`${url}/`);
  await page.getByLabel("Email").fill(who.email);
  await page.getByLabel("Password").fill(DEMO.password);
  await page.keyboard.press("Enter");
  await page.getByTestId("user-name").filter({ hasText: who.name }).waitFor();
  return { context, page, problems };
}

/**
 * Records what a page reports as wrong: console errors, uncaught
 * exceptions and Content-Security-Policy violations. `expected` lists the
 * failed requests the test causes on purpose (a 401 of the session check
 * when logged out, of a wrong password), which Chromium logs as errors.
 * @param {import("playwright-core").Page} page
 * @param {{status: number, path: string}[]} expected
 */
export async function watchProblems(page, expected) {
  /** @type {string[]} */
  const problems = [];
  await page.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (event) => {
      console.error(
        `CSP violation: ${event.violatedDirective} ${event.blockedURI}`,
      );
    });
  });
  page.on("console", (message) => {
    if (message.type() !== "error") return;
    const text = message.text();
    const url = message.location().url;
    const allowed = expected.some(
      ({ status, path }) =>
        text.includes(`status of ${String(status)}`) &&
        new URL(url).pathname === path,
    );
    if (!allowed) problems.push(`console error: ${text} (${url})`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  return problems;
}

/**
 * Saves a screenshot of the page as test-artifacts/NAME.png.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function screenshot(page, name) {
  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({
    path: join(ARTIFACTS, `${name}.png`),
    fullPage: true,
  });
}

/** axe-core's source, evaluated in the page by `checkA11y`. */
const AXE = readFileSync(
  createRequire(import.meta.url).resolve("axe-core/axe.min.js"),
  "utf8",
);

/**
 * Runs axe-core on the page as it is now and throws when it finds a
 * serious or critical violation, naming each rule and the elements it
 * found. Every violation (minor and moderate too) is saved as
 * test-artifacts/a11y-NAME.json. axe is evaluated through the DevTools
 * protocol, so the page's Content-Security-Policy stays as strict as
 * ever.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function checkA11y(page, name) {
  const loaded = await page.evaluate(
    () => /** @type {{axe?: unknown}} */ (window).axe !== undefined,
  );
  if (!loaded) await page.evaluate(AXE);
  /** @type {{id: string, impact: string | null, help: string, nodes: {target: string[]}[]}[]} */
  const violations = await page.evaluate(async () => {
    const axe = /** @type {any} */ (window).axe;
    const results = await axe.run(document, { resultTypes: ["violations"] });
    return results.violations.map((/** @type {any} */ v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((/** @type {any} */ n) => ({ target: n.target })),
    }));
  });
  await mkdir(ARTIFACTS, { recursive: true });
  await writeFile(
    join(ARTIFACTS, `a11y-${name}.json`),
    JSON.stringify(violations, null, 2),
  );
  const grave = violations.filter(
    (v) => v.impact === "serious" || v.impact === "critical",
  );
  if (grave.length > 0) {
    const found = grave
      .map(
        (v) =>
          `${v.id} (${String(v.impact)}): ${v.help} at ${v.nodes
            .map((n) => n.target.join(" "))
            .join(", ")}`,
      )
      .join("\n");
    throw new Error(`accessibility violations on ${name}:\n${found}`);
  }
}

/**
 * Starts the server (`startServer`) with its mail going to `sink` (an
 * `smtpSink()`), listening first.
 * @param {ReturnType<typeof smtpSink>} sink
 * @param {string[]} [extra]
 */
export async function startServerWithMail(sink, extra = []) {
  const port = await sink.listen();
  return startServer([
    "--smtp-url",
    `smtp://127.0.0.1:${String(port)}`,
    ...extra,
  ]);
}

/**
 * A plain SMTP sink on a loopback port: it takes every mail (220, 250,
 * 354, 221) and keeps its text, at most 20 mails of 1 MiB.
 */
export function smtpSink() {
  /** @type {string[]} */
  const mails = [];
  const server = createServer((socket) => {
    socket.setEncoding("utf8");
    let buffer = "";
    let data = false;
    let mail = "";
    socket.write("220 sink ESMTP\r\n");
    socket.on("data", (chunk) => {
      buffer += String(chunk);
      if (buffer.length > 1 << 20) socket.destroy();
      for (;;) {
        if (data) {
          const end = buffer.indexOf("\r\n.\r\n");
          const start = buffer.startsWith(".\r\n") ? 0 : -1;
          if (end === -1 && start === -1) return;
          const cut = start === 0 ? 0 : end;
          mail += buffer.slice(0, cut);
          buffer = buffer.slice(cut + (start === 0 ? 3 : 5));
          if (mails.length < 20) mails.push(unquote(mail));
          mail = "";
          data = false;
          socket.write("250 queued\r\n");
          continue;
        }
        const line = buffer.indexOf("\r\n");
        if (line === -1) return;
        const command = buffer.slice(0, line).toUpperCase();
        buffer = buffer.slice(line + 2);
        if (command.startsWith("DATA")) {
          data = true;
          socket.write("354 go on\r\n");
        } else if (command.startsWith("QUIT")) {
          socket.end("221 bye\r\n");
          return;
        } else {
          socket.write("250 ok\r\n");
        }
      }
    });
    socket.on("error", () => undefined);
  });
  return {
    /** @returns {Promise<number>} */
    async listen() {
      await new Promise((done) =>
        server.listen(0, "127.0.0.1", () => done(null)),
      );
      const address = server.address();
      if (address === null || typeof address !== "object")
        throw new Error("the SMTP sink has no port");
      return address.port;
    },
    /**
     * The `nth` mail (from 0) matching `pattern`, waited for.
     * @param {RegExp} pattern
     * @param {number} [nth]
     */
    async find(pattern, nth = 0) {
      const until = Date.now() + MAIL_TIMEOUT_MS;
      while (Date.now() < until) {
        const found = mails.filter((m) => pattern.test(m))[nth];
        if (found !== undefined) return found;
        await new Promise((done) => setTimeout(done, 50));
      }
      throw new Error(
        `no mail matching ${String(pattern)} in ${String(MAIL_TIMEOUT_MS)} ms; got ${String(mails.length)}: ${mails.join("\n---\n").slice(0, 3000)}`,
      );
    },
    close() {
      server.close();
    },
  };
}

/**
 * A mail's text with its quoted-printable encoding undone (soft line
 * breaks joined, `=XX` bytes decoded), as a mail program shows it.
 * @param {string} mail
 */
function unquote(mail) {
  const bytes = mail
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex) =>
      String.fromCharCode(Number.parseInt(String(hex), 16)),
    );
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** A phone's viewport, for the checks of every screen at that size. */
export const PHONE = { width: 390, height: 844 };

/**
 * `checkA11y` at the page's size, then at a phone's (as NAME-phone), then
 * back at its size: a screen passes at both, as its users see it.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export async function checkA11yBothSizes(page, name) {
  await checkA11y(page, name);
  const size = page.viewportSize();
  if (size === null || size.width <= PHONE.width) return;
  await page.setViewportSize(PHONE);
  await settle(page);
  try {
    await checkA11y(page, `${name}-phone`);
  } finally {
    await page.setViewportSize(size);
    await settle(page);
  }
}

/**
 * Waits for two animation frames: a resize's layout and styles applied.
 * @param {import("playwright-core").Page} page
 */
async function settle(page) {
  await page.evaluate(
    () =>
      new Promise((done) => {
        requestAnimationFrame(() => requestAnimationFrame(() => done(null)));
      }),
  );
}

/**
 * A fresh context, logged in, on the dashboard of the first team.
 * @param {import("playwright-core").Browser} browser
 * @param {string} url
 * @param {{email: string, name: string}} who
 */
export async function signedInOnDashboard(browser, url, who) {
  const signedIn = await signIn(browser, url, who);
  await signedIn.page.getByTestId("dashboard-row").first().waitFor();
  return signedIn;
}

/**
 * Opens the conversation with `contact` from the dashboard, and waits for
 * its first message.
 * @param {import("playwright-core").Page} page
 * @param {string} [contact]
 */
export async function openConversation(page, contact = DEMO_CONTACT) {
  await page.getByTestId("dashboard-row").filter({ hasText: contact }).click();
  await page
    .getByRole("region", { name: "Conversation" })
    .getByTestId("message")
    .first()
    .waitFor();
}

/**
 * A page's link in the app's page navigation.
 * @param {import("playwright-core").Page} page
 * @param {string} name
 */
export function pageLink(page, name) {
  return page
    .getByRole("navigation", { name: "Pages" })
    .getByRole("link", { name, exact: true });
}
