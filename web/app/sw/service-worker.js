// The service worker: keeps the app shell (the page, its hashed scripts
// and styles, the icons, the manifest) so the app opens at once and
// installs as an app. Built into /sw.js by vite.config.ts, which puts the
// build's file list in place of SHELL and a hash of it in place of
// VERSION.
//
// Invariants: only the files of SHELL are ever cached: never /api, /ws
// or anything else the server answers (conversation data stays out of
// every cache). The page is network-first (a new server's app is picked
// up on the next load; the cached copy serves only when the network
// fails); the hashed files are cache-first (their names change with their
// content). Each build has a cache of its own, and the others are deleted
// when it activates.

/** @type {string[]} */
const SHELL = __SHELL__;
/** @type {string} */
const VERSION = __VERSION__;
const PREFIX = "switchboard-shell-";
const CACHE = PREFIX + VERSION;
/** The server's own endpoints: never the app, never cached. */
const RESERVED = ["/api", "/ws", "/healthz", "/readyz", "/metrics"];

const worker = /** @type {ServiceWorkerGlobalScope} */ (
  /** @type {unknown} */ (self)
);

worker.addEventListener("install", (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(SHELL))
      .then(() => worker.skipWaiting()),
  );
});

worker.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((names) =>
        Promise.all(
          names
            .filter((name) => name.startsWith(PREFIX) && name !== CACHE)
            .map((name) => caches.delete(name)),
        ),
      )
      .then(() => worker.clients.claim()),
  );
});

/** @param {string} path */
function reserved(path) {
  return RESERVED.some((r) => path === r || path.startsWith(r + "/"));
}

worker.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== location.origin || reserved(url.pathname)) return;
  // The contacts' web chat is another page: never the app's shell.
  if (url.pathname.startsWith("/chat/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (SHELL.includes(url.pathname) && url.pathname !== "/") {
    event.respondWith(shellFile(request));
  }
  // Anything else goes to the network as if there were no worker.
});

/**
 * The app's page: from the network (kept as the shell's copy), else the
 * copy.
 * @param {Request} request
 */
async function page(request) {
  const cache = await caches.open(CACHE);
  try {
    const fresh = await fetch(request);
    if (fresh.ok && fresh.type === "basic") {
      await cache.put("/", fresh.clone());
    }
    return fresh;
  } catch (error) {
    const copy = await cache.match("/");
    if (copy !== undefined) return copy;
    throw error;
  }
}

/**
 * A file of the shell: the cached copy, else the network's (kept).
 * @param {Request} request
 */
async function shellFile(request) {
  const cache = await caches.open(CACHE);
  const copy = await cache.match(request);
  if (copy !== undefined) return copy;
  const fresh = await fetch(request);
  if (fresh.ok) await cache.put(request, fresh.clone());
  return fresh;
}
