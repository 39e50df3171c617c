// The app's entry: mounts the root screen, reads the session, applies the
// theme chosen in Preferences and registers the service worker.
import { render } from "preact";
import { App } from "./App";
import { applyTheme } from "./live/settings";
import { registerServiceWorker } from "./pwa";
import { load } from "./store";
import "./style.css";
import "./theme.css";
import "./phone.css";

applyTheme();
const root = document.getElementById("app");
if (root === null) throw new Error("index.html has no #app element");
render(<App />, root);
void load();
registerServiceWorker();
