// The build the server embeds: hashed file names under assets/ (served
// with a long cache), no inline script or style (the server's
// Content-Security-Policy refuses them), no module-preload polyfill (every
// browser the app supports has module preload). The protocol client
// (web/client) is compiled from its TypeScript source, so a fresh clone
// builds without building the client first.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  resolve: {
    alias: {
      "switchboard-client": fileURLToPath(
        new URL("../client/src/index.ts", import.meta.url),
      ),
    },
  },
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
