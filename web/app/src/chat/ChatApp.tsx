// The contact's chat page: the team's name and greeting, the messages
// (the contact's own on the right, the team's on the left with their
// names), who of the team is typing, the composer, and the optional
// "how to reach you" form. Paused, the page shows the greeting and says
// so; an unknown handle says that.
//
// Accessibility: the messages are a log (a polite live region: new ones
// are read out); every control is labelled; Enter sends, Shift+Enter
// breaks the line; embedded (`?embed=1`), Escape asks the launcher to
// close the chat and give the focus back.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Message } from "switchboard-client";
import { Identify } from "./Identify";
import type { ChatSession, ChatState, Echo } from "./session";
import { chars } from "./wording";

/** The message the launcher (widget.js) listens for to close the chat. */
const CLOSE_MESSAGE = "switchboard-chat:close";

export function ChatApp({
  session,
  embedded,
}: {
  session: ChatSession;
  embedded: boolean;
}) {
  const state = useChat(session);
  const [draft, setDraft] = useState("");
  const scroller = useRef<HTMLDivElement>(null);
  const composer = useRef<HTMLTextAreaElement>(null);
  const count = state.messages.length + state.echoes.length;

  // New lines show at the bottom.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, [count]);

  useEffect(() => {
    if (state.card !== null)
      document.title = `Chat with ${state.card.team.name}`;
  }, [state.card]);

  // Opened from the launcher: the composer takes the keyboard at once.
  const ready = state.phase === "ready";
  useLayoutEffect(() => {
    if (embedded && ready) composer.current?.focus();
  }, [embedded, ready]);

  useEffect(() => {
    if (!embedded) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === "Escape") closeEmbed();
    };
    document.addEventListener("keydown", onKey);
    return () => {
      document.removeEventListener("keydown", onKey);
    };
  }, [embedded]);

  if (state.phase === "loading") {
    return (
      <main class="chat" aria-busy="true">
        <p class="chat-status">Loading…</p>
      </main>
    );
  }
  if (
    state.phase === "missing" ||
    state.phase === "broken" ||
    state.card === null
  ) {
    return (
      <main class="chat">
        <p class="chat-status" role="alert">
          {state.phase === "missing"
            ? "There is no chat at this address."
            : "The chat could not be loaded. Please reload the page."}
        </p>
      </main>
    );
  }

  const card = state.card;
  const typing = [...state.typing.values()];
  const tooLong = chars(draft) > session.maxChars;

  function submit(event: Event) {
    event.preventDefault();
    if (tooLong) return;
    if (session.send(draft)) setDraft("");
  }

  return (
    <main class={embedded ? "chat embedded" : "chat"}>
      <header class="chat-head">
        <h1>{card.team.name}</h1>
        {embedded && (
          <button type="button" class="chat-close" onClick={closeEmbed}>
            <span aria-hidden="true">×</span>
            <span class="visually-hidden">Close chat</span>
          </button>
        )}
      </header>
      <div class="chat-scroll" ref={scroller}>
        <p class="chat-greeting" data-testid="chat-greeting">
          {card.greeting === "" ? `Write to ${card.team.name}.` : card.greeting}
        </p>
        <div role="log" aria-label="Messages" aria-live="polite">
          <ol class="chat-messages">
            {state.messages.map((m) => (
              <MessageLine key={m.seq} message={m} />
            ))}
            {state.echoes.map((e) => (
              <EchoLine
                key={e.key}
                echo={e}
                onRetry={() => {
                  session.retry(e.key);
                }}
              />
            ))}
          </ol>
        </div>
      </div>
      <p class="chat-typing" aria-live="polite" data-testid="chat-typing">
        {typing.length > 0 &&
          `${typing.join(", ")} ${typing.length > 1 ? "are" : "is"} typing…`}
      </p>
      {state.notice !== null && (
        <p class="chat-error" role="alert">
          {state.notice}
        </p>
      )}
      {state.paused ? (
        <p class="chat-paused" role="status" data-testid="chat-paused">
          This chat is paused. Please come back later.
        </p>
      ) : (
        <form class="chat-composer" onSubmit={submit}>
          <label for="chat-body" class="visually-hidden">
            Your message
          </label>
          <textarea
            id="chat-body"
            ref={composer}
            rows={2}
            value={draft}
            placeholder="Write a message…"
            aria-describedby="chat-hint"
            aria-invalid={tooLong}
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              session.typing();
            }}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) submit(e);
            }}
          />
          <button type="submit" disabled={tooLong}>
            Send
          </button>
          <p
            id="chat-hint"
            class={tooLong ? "chat-hint chat-error" : "chat-hint"}
          >
            {tooLong
              ? `Too long: at most ${session.maxChars.toLocaleString("en")} characters.`
              : "Enter sends, Shift+Enter breaks the line."}
          </p>
        </form>
      )}
      {state.started && <Identify session={session} />}
      {state.started && state.link !== "open" && state.link !== "idle" && (
        <p class="chat-link" role="status">
          Reconnecting… your messages will be sent.
        </p>
      )}
    </main>
  );
}

function MessageLine({ message }: { message: Message }) {
  const mine = message.sender.kind === "contact";
  return (
    <li
      class={mine ? "chat-line mine" : "chat-line theirs"}
      data-testid="chat-message"
      data-state="sent"
    >
      {!mine && <span class="chat-sender">{message.sender.name}</span>}
      {mine && <span class="visually-hidden">You:</span>}
      <span class="chat-body">{message.body}</span>
      <time class="chat-at" dateTime={new Date(message.at).toISOString()}>
        {new Date(message.at).toLocaleTimeString([], {
          hour: "2-digit",
          minute: "2-digit",
        })}
      </time>
    </li>
  );
}

function EchoLine({ echo, onRetry }: { echo: Echo; onRetry: () => void }) {
  return (
    <li
      class={`chat-line mine ${echo.state}`}
      data-testid="chat-message"
      data-state={echo.state}
    >
      <span class="visually-hidden">You:</span>
      <span class="chat-body">{echo.body}</span>
      <span class="chat-at">
        {echo.state === "failed" ? (echo.error ?? "Not sent.") : "Sending…"}
      </span>
      {echo.state === "failed" && (
        <button type="button" class="chat-retry" onClick={onRetry}>
          Retry
        </button>
      )}
    </li>
  );
}

function useChat(session: ChatSession): ChatState {
  const [state, setState] = useState(session.state);
  useEffect(() => {
    setState(session.state);
    return session.watch(setState);
  }, [session]);
  return state;
}

function closeEmbed(): void {
  // The launcher checks that this comes from its own frame.
  window.parent.postMessage(CLOSE_MESSAGE, "*");
}
