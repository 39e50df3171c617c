// One conversation: its history (the latest page; older pages load when
// scrolled to the top), its live messages, and a composer that shows each
// message at once as pending, then sent, or failed with a retry.
//
// Invariant: a message shows once. The timeline is the server's messages
// by seq; a message of ours still in the outbox, or acknowledged before
// its event arrived, shows after them only while no server message carries
// its `client_msg_id`.
//
// Reading marks the conversation read up to its last message; typing in
// the composer tells the others (a `typing` every few seconds), and who
// else is typing shows under the timeline.
import { Fragment } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Id, Message, OutboxState } from "switchboard-client";
import {
  acked,
  link,
  listenTeam,
  live,
  outboxVersion,
  sendsOf,
} from "../live/connection";
import { useValue } from "../live/observable";
import { useCommands } from "./commands";
import { SeenBy, useSeenBy, Viewers } from "./Presence";
import { People } from "./People";

const PAGE = 50;
/** How often a `typing` is sent again while typing goes on. */
const TYPING_EVERY_MS = 3000;

interface Props {
  team: Id;
  conversation: Id;
  me: Id;
}

interface Echo {
  key: string;
  body: string;
  state: OutboxState;
  error: string | null;
}

export function Conversation({ team, conversation, me }: Props) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [more, setMore] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  const [typing, setTyping] = useState<Map<Id, string>>(new Map());
  const lastTyping = useRef(0);
  const markedRead = useRef(0);
  const connected = useValue(link).state === "open";
  useValue(outboxVersion);
  const list = useRef<HTMLOListElement>(null);
  const pinned = useRef(true);
  const loadingOlder = useRef(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  // Live messages of this conversation; after a gap, the latest page again.
  const [stale, setStale] = useState(0);
  useEffect(() => {
    setMessages([]);
    setLoaded(false);
    pinned.current = true;
    return listenTeam(team, (news) => {
      if (news.kind === "reset") {
        setStale((n) => n + 1);
        return;
      }
      if (news.kind === "signal") {
        const signal = news.frame.signal;
        if (
          signal.type === "typing" &&
          signal.conversation === conversation &&
          signal.user !== me
        ) {
          setTyping((current) => {
            const next = new Map(current);
            if (signal.typing) next.set(signal.user, signal.name);
            else next.delete(signal.user);
            return next;
          });
        }
        return;
      }
      const event = news.frame.event;
      if (event.type === "message" && event.conversation === conversation) {
        setMessages((current) => merge(current, [event]));
      }
    });
  }, [team, conversation, me]);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    const client = live();
    void client.request({ type: "view", conversation }).catch(() => undefined);
    // Opts the connection into the team's signals (typing among them).
    void client.request({ type: "presence", team }).catch(() => undefined);
    client
      .request({ type: "history", conversation, limit: PAGE })
      .then((reply) => {
        if (!current) return;
        setMessages((existing) => merge(existing, reply.messages));
        setMore(reply.more);
        setLoaded(true);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (current)
          setError(failure instanceof Error ? failure.message : "failed");
      });
    return () => {
      current = false;
    };
  }, [team, conversation, connected, stale]);

  // Shown to the reader: read up to the last message.
  const lastSeq = messages.at(-1)?.seq ?? 0;
  useEffect(() => {
    if (!connected || lastSeq <= markedRead.current) return;
    markedRead.current = lastSeq;
    live()
      .request({ type: "mark_read", conversation, seq: lastSeq })
      .catch(() => {
        markedRead.current = 0;
      });
  }, [conversation, connected, lastSeq]);

  useEffect(() => {
    composer.current?.focus();
  }, [conversation]);

  // Stay at the bottom while the reader is there.
  const timeline = timelineOf(messages, conversation);
  const seenBy = useSeenBy(team, conversation, me, messages);
  useLayoutEffect(() => {
    const el = list.current;
    if (el !== null && pinned.current) el.scrollTop = el.scrollHeight;
  });

  function onScroll() {
    const el = list.current;
    if (el === null) return;
    pinned.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    const first = messages[0];
    if (el.scrollTop > 0 || !more || loadingOlder.current || !first) return;
    loadingOlder.current = true;
    const height = el.scrollHeight;
    live()
      .request({
        type: "history",
        conversation,
        before: first.seq,
        limit: PAGE,
      })
      .then((reply) => {
        setMessages((existing) => merge(existing, reply.messages));
        setMore(reply.more);
        // Keep the message that was at the top where it was.
        requestAnimationFrame(() => {
          el.scrollTop = el.scrollHeight - height;
        });
      })
      .catch(() => undefined)
      .finally(() => {
        loadingOlder.current = false;
      });
  }

  function send(event: Event) {
    event.preventDefault();
    sendBody(draft);
  }

  function sendBody(text: string) {
    const body = text.trim();
    if (body === "") return;
    try {
      live().send(conversation, body);
      setDraft("");
      lastTyping.current = 0;
      pinned.current = true;
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : "not sent");
    }
  }

  const commands = useCommands({
    team,
    me,
    draft,
    setDraft,
    send: sendBody,
    composer,
  });

  return (
    <section class="conversation" aria-label="Conversation">
      <header class="conversation-header">
        <Viewers team={team} conversation={conversation} me={me} />
      </header>
      <People team={team} conversation={conversation} />
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ol
        id="timeline"
        class="timeline"
        ref={list}
        // Focusable, so the keyboard scrolls it (Escape from the composer
        // lands here).
        tabIndex={0}
        onScroll={onScroll}
        aria-label="Messages"
        aria-busy={!loaded}
      >
        {more && <li class="muted older">Scroll up for older messages</li>}
        {timeline.messages.map((m) => {
          const readers = seenBy.get(m.seq);
          return (
            <Fragment key={`s${String(m.seq)}`}>
              <MessageItem message={m} me={me} />
              {readers !== undefined && <SeenBy readers={readers} />}
            </Fragment>
          );
        })}
        {timeline.echoes.map((e) => (
          <EchoItem key={`e${e.key}`} echo={e} />
        ))}
      </ol>
      <p class="typing muted" aria-live="polite" data-testid="typing">
        {typing.size > 0 &&
          `${[...typing.values()].join(", ")} ${typing.size > 1 ? "are" : "is"} typing…`}
      </p>
      <div class="composer-area">
        {commands.popup}
        <form class="composer" onSubmit={send}>
          <label for="composer-body" class="visually-hidden">
            Message
          </label>
          <textarea
            id="composer-body"
            ref={composer}
            rows={2}
            value={draft}
            placeholder="Write a message; Enter sends, Shift+Enter breaks the line"
            onInput={(e) => {
              setDraft(e.currentTarget.value);
              const now = Date.now();
              if (now - lastTyping.current < TYPING_EVERY_MS) return;
              lastTyping.current = now;
              live()
                .request({ type: "typing", conversation })
                .catch(() => undefined);
            }}
            {...commands.aria}
            onKeyDown={(e) => {
              if (commands.onKeyDown(e)) return;
              if (e.key === "Enter" && !e.shiftKey) send(e);
            }}
          />
          <button type="submit">Send</button>
        </form>
      </div>
    </section>
  );
}

function MessageItem({ message, me }: { message: Message; me: Id }) {
  const kind =
    message.sender.kind === "system"
      ? "system"
      : message.sender.kind === "agent" && message.sender.id === me
        ? "mine"
        : message.sender.kind;
  return (
    <li
      class={`message ${kind}`}
      data-testid="message"
      data-state="sent"
      data-client-msg-id={message.client_msg_id ?? undefined}
    >
      {kind !== "system" && <span class="sender">{message.sender.name}</span>}
      <span class="body">{message.body}</span>
      <time class="at" dateTime={new Date(message.at).toISOString()}>
        {new Date(message.at).toLocaleTimeString()}
      </time>
    </li>
  );
}

function EchoItem({ echo }: { echo: Echo }) {
  return (
    <li
      class={`message mine ${echo.state}`}
      data-testid="message"
      data-state={echo.state}
      data-client-msg-id={echo.key}
    >
      <span class="body">{echo.body}</span>
      <span class="state">
        {echo.state === "pending"
          ? "Sending…"
          : echo.state === "sent"
            ? "Sent"
            : `Not sent: ${echo.error ?? "refused"}`}
      </span>
      {echo.state === "failed" && (
        <button
          type="button"
          class="secondary"
          onClick={() => void live().retry(echo.key)}
        >
          Retry
        </button>
      )}
    </li>
  );
}

/** The server's messages, then our messages none of them carries yet. */
function timelineOf(
  messages: Message[],
  conversation: Id,
): { messages: Message[]; echoes: Echo[] } {
  const carried = new Set(
    messages.flatMap((m) =>
      m.client_msg_id === null ? [] : [m.client_msg_id],
    ),
  );
  const echoes: Echo[] = [];
  for (const [key, a] of acked) {
    if (a.conversation !== conversation) continue;
    if (carried.has(key)) acked.delete(key);
    else echoes.push({ key, body: a.body, state: "sent", error: null });
  }
  for (const entry of sendsOf(conversation)) {
    if (carried.has(entry.key) || entry.request.type !== "send") continue;
    echoes.push({
      key: entry.key,
      body: entry.request.body,
      state: entry.state,
      error: entry.error?.message ?? null,
    });
  }
  return { messages, echoes };
}

/** Messages by seq, each once. */
function merge(current: Message[], added: Message[]): Message[] {
  const bySeq = new Map<Id, Message>();
  for (const m of current) bySeq.set(m.seq, m);
  for (const m of added) bySeq.set(m.seq, m);
  return [...bySeq.values()].sort((a, b) => a.seq - b.seq);
}
