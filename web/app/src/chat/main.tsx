// The contact-facing chat page's entry (chat.html, served at
// /chat/HANDLE): reads the handle from the address, mounts the chat. It
// pulls in none of the agents' app: only Preact, the protocol client and
// its own styles.
import { render } from "preact";
import { ChatApp } from "./ChatApp";
import { ChatSession } from "./session";
import "./chat.css";

const handle = decodeURIComponent(
  location.pathname.replace(/^\/chat\//, "").replace(/\/.*$/, ""),
);
const embedded = new URLSearchParams(location.search).get("embed") === "1";
const root = document.getElementById("chat");
if (root === null) throw new Error("chat.html has no #chat element");
const session = new ChatSession(handle);
render(<ChatApp session={session} embedded={embedded} />, root);
void session.start();
// The team may pause or resume its chat while the page is open.
window.addEventListener("focus", () => void session.refreshCard());
