// The build the server embeds: hashed file names under assets/ (served
// with a long cache), no inline script or style (the server's
// Content-Security-Policy refuses them), no module-preload polyfill (every
// browser the app supports has module preload). The protocol client
// (web/client) is compiled from its TypeScript source, so a fresh clone
// builds without building the client first.
//
// Each text file is also written compressed beside itself (`.br`, `.gz`),
// at the highest levels, once at build time: the server answers with the
// one the browser accepts (server/src/http/app.rs) and compresses nothing
// while serving.
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { defineConfig, type Plugin } from "vite";

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
  plugins: [precompress()],
  esbuild: { jsx: "automatic", jsxImportSource: "preact" },
  build: {
    assetsDir: "assets",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    target: "es2022",
  },
});
