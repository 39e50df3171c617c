// The build the server embeds: hashed file names under assets/ (served
// with a long cache), no inline script or style (the server's
// Content-Security-Policy refuses them), no module-preload polyfill (every
// browser the app supports has module preload).
import { defineConfig } from "vite";

export default defineConfig({
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
