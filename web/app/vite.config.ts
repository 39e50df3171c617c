// The build the server embeds: hashed file names under assets/ (served
// with a long cache), no inline script or style (the server's
// Content-Security-Policy refuses them), no module-preload polyfill (every
// browser the app supports has module preload). The protocol client
// (web/client) is compiled from its TypeScript source, so a fresh clone
// builds without building the client first. The service worker (/sw.js)
// is written from sw/service-worker.js with the build's app shell.
//
// Each text file is also written compressed beside itself (`.br`, `.gz`),
// at the highest levels, once at build time: the server answers with the
// one the browser accepts (server/src/http/app.rs) and compresses nothing
// while serving.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
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
      // The contacts' chat page (chat.html) is no part of the agents' shell.
      const assets = Object.keys(bundle)
        .filter(
          (name) =>
            name.startsWith("assets/") && !name.startsWith("assets/chat-"),
        )
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

/** Files worth compressing: text. */
const COMPRESSIBLE = /\.(js|css|html|svg|json|txt)$/;

function precompress(): Plugin {
  return {
    name: "switchboard-precompress",
    apply: "build",
    async writeBundle(options, bundle) {
      const dir = options.dir ?? "dist";
      for (const name of Object.keys(bundle)) {
        if (!COMPRESSIBLE.test(name)) continue;
        const path = join(dir, name);
        const data = await readFile(path);
        const br = brotliCompressSync(data, {
          params: {
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: data.length,
          },
        });
        const gz = gzipSync(data, { level: 9 });
        // A compressed copy no smaller than the file is not worth sending.
        if (br.length < data.length) await writeFile(`${path}.br`, br);
        if (gz.length < data.length) await writeFile(`${path}.gz`, gz);
      }
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
  plugins: [serviceWorker(), precompress()],
  build: {
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
    // Two pages: the agents' app, and the contacts' web chat (/chat/HANDLE),
    // which shares none of the app's code but Preact and the client.
    rollupOptions: {
      input: {
        index: fileURLToPath(new URL("./index.html", import.meta.url)),
        chat: fileURLToPath(new URL("./chat.html", import.meta.url)),
      },
    },
  },
});
