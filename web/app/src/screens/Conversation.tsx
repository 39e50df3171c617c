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
//
// The timeline is windowed (./virtual.ts): only the messages near the view
// are in the page, so a long history scrolls as lightly as a short one. It
// keeps the view on its end: older pages load above without moving what
// is in view, and new messages follow while the reader is at the bottom.
import {
  useEffect,
  useLayoutEffect,
  useMemo,
  useRef,
  useState,
} from "preact/hooks";
import {
  withReceipt,
  type Id,
  type Message,
  type PostInfo,
} from "switchboard-client";
import { PostPicker } from "../book/PostPicker";
import { ChannelLabel } from "../channels/ChannelLabel";
import { link, listenTeam, live, outboxVersion } from "../live/connection";
import { useValue } from "../live/observable";
import { useCommands } from "./commands";
import { ContactStatus } from "./ContactStatus";
import { SeenBy, useSeenBy, Viewers } from "./Presence";
import { People } from "./People";
import {
  EchoItem,
  entriesOf,
  keyOf,
  merge,
  MessageItem,
  timelineOf,
} from "./timeline";
import { Spacer, useWindow } from "./virtual";

const PAGE = 50;
/** Older messages load once the view is this close to the top, in px. */
const NEAR_TOP_PX = 600;
/** Timelines at most this long are drawn whole. */
const DRAWN_WHOLE = 300;
/** How often a `typing` is sent again while typing goes on. */
const TYPING_EVERY_MS = 3000;

interface Props {
  team: Id;
  conversation: Id;
  me: Id;
}

export function Conversation({ team, conversation, me }: Props) {
  const [messages, setMessages] = useState<Message[]>([]);
  const [more, setMore] = useState(false);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [draft, setDraft] = useState("");
  /** A job post the next message carries (the composer's post picker). */
  const [attached, setAttached] = useState<PostInfo | null>(null);
  const [typing, setTyping] = useState<Map<Id, string>>(new Map());
  const lastTyping = useRef(0);
  const markedRead = useRef(0);
  const connected = useValue(link).state === "open";
  const version = useValue(outboxVersion);
  const toEnd = useRef(false);
  /** The line to hold in place while an older page comes in above it:
   * its key and how far the view's top was below its top. */
  const anchor = useRef<{ key: string; below: number; from: number } | null>(
    null,
  );
  const loadingOlder = useRef(false);
  const composer = useRef<HTMLTextAreaElement>(null);

  // Live messages of this conversation; after a gap, the latest page again.
  const [stale, setStale] = useState(0);
  useEffect(() => {
    setMessages([]);
    setLoaded(false);
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
      // A bridge's delivery receipt moves its message's state.
      if (event.type === "receipt" && event.conversation === conversation)
        setMessages((current) => withReceipt(current, event));
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

  useLayoutEffect(() => {
    composer.current?.focus();
  }, [conversation]);

  const timeline = useMemo(
    () => timelineOf(messages, conversation),
    // The outbox's version: an echo came, changed or went.
    [messages, conversation, version],
  );
  const seenBy = useSeenBy(team, conversation, me, messages);
  const seenKey = JSON.stringify([...seenBy]);
  const { entries, keys } = useMemo(
    () => entriesOf(timeline, seenBy, more),
    // seenBy is new on each render; its content is seenKey.
    [timeline, seenKey, more],
  );
  const win = useWindow<HTMLOListElement>({
    count: entries.length,
    key: (i) => keys[i] ?? String(i),
    estimate: 64,
    chat: true,
    whole: DRAWN_WHOLE,
  });
  // An older page came in above: the line that was in view stays put.
  // (The window anchors by the line at the top, which here is the "older"
  // hint, itself always on top: so it is done here, by the message.)
  useLayoutEffect(() => {
    const held = anchor.current;
    if (held === null || held.from === entries.length) return;
    const index = keys.indexOf(held.key);
    const start = win.virtualizer.measurementsCache[index]?.start;
    anchor.current = null;
    if (start === undefined) return;
    win.virtualizer.scrollToOffset(start + held.below);
  });

  // A message sent shows at the bottom, wherever the reader was.
  useLayoutEffect(() => {
    if (!toEnd.current || entries.length === 0) return;
    toEnd.current = false;
    win.virtualizer.scrollToIndex(entries.length - 1, { align: "end" });
  });

  function onScroll() {
    const el = win.scroller.current;
    if (el === null) return;
    const first = messages[0];
    if (el.scrollTop > NEAR_TOP_PX || !more || loadingOlder.current || !first)
      return;
    loadingOlder.current = true;
    live()
      .request({
        type: "history",
        conversation,
        before: first.seq,
        limit: PAGE,
      })
      .then((reply) => {
        const index = entries.findIndex((e) => e.kind === "message");
        const held = win.virtualizer.measurementsCache[index];
        if (held !== undefined && reply.messages.length > 0)
          anchor.current = {
            key: String(held.key),
            below: el.scrollTop - held.start,
            from: entries.length,
          };
        setMessages((existing) => merge(existing, reply.messages));
        setMore(reply.more);
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
    if (body === "" && attached === null) return;
    try {
      live().send(conversation, body, undefined, attached?.id ?? null);
      setDraft("");
      setAttached(null);
      lastTyping.current = 0;
      toEnd.current = true;
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
        <ChannelLabel team={team} conversation={conversation} />
        <Viewers team={team} conversation={conversation} me={me} />
        <ContactStatus team={team} conversation={conversation} />
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
        ref={win.scroller}
        // Focusable, so the keyboard scrolls it (Escape from the composer
        // lands here).
        tabIndex={0}
        onScroll={onScroll}
        aria-label="Messages"
        aria-busy={!loaded}
      >
        <Spacer height={win.before} />
        {win.items.map((item) => {
          const entry = entries[item.index];
          if (entry === undefined) return null;
          const at = { index: item.index, measure: win.measure };
          switch (entry.kind) {
            case "older":
              return (
                <li
                  key={keyOf(entry)}
                  data-index={item.index}
                  ref={win.measure}
                  class="muted older"
                >
                  Scroll up for older messages
                </li>
              );
            case "message":
              return (
                <MessageItem
                  key={keyOf(entry)}
                  at={at}
                  message={entry.message}
                  me={me}
                />
              );
            case "seen":
              return (
                <SeenBy key={keyOf(entry)} at={at} readers={entry.readers} />
              );
            case "echo":
              return <EchoItem key={keyOf(entry)} at={at} echo={entry.echo} />;
          }
        })}
        <Spacer height={win.after} />
      </ol>
      <p class="typing muted" aria-live="polite" data-testid="typing">
        {typing.size > 0 &&
          `${[...typing.values()].join(", ")} ${typing.size > 1 ? "are" : "is"} typing…`}
      </p>
      <div class="composer-area">
        {commands.popup}
        <PostPicker team={team} attached={attached} onAttach={setAttached} />
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
