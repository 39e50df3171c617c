// The build the server embeds: hashed file names under assets/ (served
// with a long cache), no inline script or style (the server's
// Content-Security-Policy refuses them), no module-preload polyfill (every
// browser the app supports has module preload). The protocol client
// (web/client) is compiled from its TypeScript source, so a fresh clone
// builds without building the client first. The service worker (/sw.js)
// is written from sw/service-worker.js with the build's app shell.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

/** Files of public/ that belong to the app shell (the service worker's). */
const PUBLIC_SHELL = [
  "/manifest.webmanifest",
  "/favicon.svg",
  "/icons/icon.svg",
  "/icons/icon-192.png",
  "/icons/icon-512.png",
];

/**
 * Emits /sw.js: the service worker's source with the shell's file list
 * (the page, every file under assets/, PUBLIC_SHELL) and a version, a hash
 * of the list and of the public files' contents, so that any change to
 * the shell makes a new cache.
 */
function serviceWorker(): Plugin {
  const source = (path: string) =>
    fileURLToPath(new URL(path, import.meta.url));
  return {
    name: "switchboard-service-worker",
    apply: "build",
    generateBundle(_options, bundle) {
      const assets = Object.keys(bundle)
        .filter((name) => name.startsWith("assets/"))
        .sort()
        .map((name) => `/${name}`);
      const shell = ["/", ...assets, ...PUBLIC_SHELL];
      const hash = createHash("sha256").update(shell.join("\n"));
      for (const file of PUBLIC_SHELL) {
        hash.update(readFileSync(source(`./public${file}`)));
      }
      const version = hash.digest("hex").slice(0, 16);
      const code = readFileSync(source("./sw/service-worker.js"), "utf8")
        .replace("__SHELL__", JSON.stringify(shell))
        .replace("__VERSION__", JSON.stringify(version));
      this.emitFile({ type: "asset", fileName: "sw.js", source: code });
    },
  };
}

export default defineConfig({
  resolve: {
    alias: {
      "switchboard-client": fileURLToPath(
        new URL("../client/src/index.ts", import.meta.url),
      ),
    },
  },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  plugins: [serviceWorker()],
  build: {
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
