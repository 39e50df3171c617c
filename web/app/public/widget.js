// The web chat's embed script, served at /widget.js. A website adds it
// with one line:
//
//   <script src="https://HOST/widget.js" data-team="HANDLE" async></script>
//
// and gets a launcher button (bottom right) that opens the team's chat,
// /chat/HANDLE?embed=1 from the script's own server, in a frame beside
// it. The server allows the frame only on the origins the team listed
// (`frame-ancestors`); elsewhere the browser refuses it.
//
// Invariants: everything lives inside this function (no global is
// added); styles are set through the DOM (the host page's CSP may refuse
// inline style attributes, never this); the frame is made on the first
// open only, so a page view costs no chat. Keyboard: the launcher is a
// button; Escape in the chat, or its close button, closes it and gives
// the focus back to the launcher.
(() => {
  const script = document.currentScript;
  if (!(script instanceof HTMLScriptElement)) return;
  const team = script.dataset.team;
  if (team === undefined || team === "") {
    console.warn('widget.js: add data-team="HANDLE" to the script tag');
    return;
  }
  const origin = new URL(script.src).origin;
  const src = `${origin}/chat/${encodeURIComponent(team)}?embed=1`;
  const id = `switchboard-chat-${team.replace(/[^a-zA-Z0-9_-]/g, "")}`;
  const color = script.dataset.color ?? "#2457d6";

  const launcher = document.createElement("button");
  launcher.type = "button";
  launcher.textContent = script.dataset.label ?? "Chat with us";
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", id);
  Object.assign(launcher.style, {
    position: "fixed",
    right: "20px",
    bottom: "20px",
    zIndex: "2147483646",
    padding: "12px 18px",
    border: "none",
    borderRadius: "24px",
    background: color,
    color: "#fff",
    font: "600 15px system-ui, sans-serif",
    boxShadow: "0 4px 14px rgba(0,0,0,.25)",
    cursor: "pointer",
  });

  /** @type {HTMLIFrameElement | null} */
  let frame = null;

  function open() {
    if (frame === null) {
      frame = document.createElement("iframe");
      frame.id = id;
      frame.src = src;
      frame.title = `Chat (${team})`;
      Object.assign(frame.style, {
        position: "fixed",
        right: "20px",
        bottom: "76px",
        zIndex: "2147483647",
        width: "min(380px, calc(100vw - 40px))",
        height: "min(560px, calc(100vh - 100px))",
        border: "1px solid rgba(0,0,0,.15)",
        borderRadius: "12px",
        background: "#fff",
        boxShadow: "0 8px 28px rgba(0,0,0,.3)",
      });
      document.body.appendChild(frame);
    }
    frame.style.display = "block";
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
  }

  function close() {
    if (frame === null) return;
    frame.style.display = "none";
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  launcher.addEventListener("click", () => {
    if (launcher.getAttribute("aria-expanded") === "true") close();
    else open();
  });
  window.addEventListener("message", (event) => {
    // Only the chat in our own frame may close it.
    if (
      frame !== null &&
      event.source === frame.contentWindow &&
      event.origin === origin &&
      event.data === "switchboard-chat:close"
    )
      close();
  });

  const mount = () => document.body.appendChild(launcher);
  if (document.body !== null) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
