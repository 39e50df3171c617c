// Lint rules: typescript-eslint's type-checked recommendations for the app,
// the plain ones for the Node-run tests and config files.
import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "test-artifacts/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.{ts,tsx}", "vite.config.ts"],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      globals: globals.browser,
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
  },
  {
    // The service worker's source: the build fills in the two names.
    files: ["sw/**/*.js"],
    languageOptions: {
      globals: {
        ...globals.serviceworker,
        __SHELL__: "readonly",
        __VERSION__: "readonly",
      },
    },
  },
  {
    // The embed script runs as a classic script in other sites' pages.
    files: ["public/**/*.js"],
    languageOptions: { globals: globals.browser, sourceType: "script" },
  },
  {
    // The tests run in Node, and pass functions to run in the page.
    files: ["test/**/*.js", "bench/**/*.js", "eslint.config.js"],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
);
