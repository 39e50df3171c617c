// The app's entry: mounts the root screen and reads the session.
import { render } from "preact";
import { App } from "./App";
import { load } from "./store";
import "./style.css";

const root = document.getElementById("app");
if (root === null) throw new Error("index.html has no #app element");
render(<App />, root);
void load();
