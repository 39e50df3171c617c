// The team's dashboard: a view (mine / unassigned / all) and a status
// filter, one row per conversation with its contact, status, unread count
// and how long the contact has waited. Kept live: a team event, or a gap
// in the stream, reads the page again (debounced, so a burst is one read).
// "Show more" appends the next page; a live read then reads as many rows
// as are shown (up to MAX_PAGES pages, keeping the rows loaded beyond
// them), so the list never jumps back or shrinks under the reader. Each
// row tells its place in the list (aria-posinset, aria-setsize: -1 while
// more is to load), since only the rows near the view are drawn.
//
// The rows are a windowed list (./virtual.ts) scrolling on its own: only
// the rows near the view are in the page, and the next page loads as the
// view nears the end. The arrow keys (and Home, End) move the focus from
// row to row, bringing rows not yet drawn into view.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type {
  ConversationStatus,
  DashboardCursor,
  DashboardRow,
  Id,
  ReplyFor,
  StatusCounts,
} from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { usePresence } from "../live/presence";
import { Spacer, useWindow } from "./virtual";

type View = "mine" | "unassigned" | "all";

const VIEWS: { id: View; label: string }[] = [
  { id: "mine", label: "Mine" },
  { id: "unassigned", label: "Unassigned" },
  { id: "all", label: "All" },
];
const STATUSES: ConversationStatus[] = ["open", "waiting", "delivered"];
const PAGE = 50;
const DEBOUNCE_MS = 250;
/** The most pages a live read follows to keep what is shown. */
const MAX_PAGES = 20;
/** The next page loads when the view is this many rows from the end. */
const NEAR_END_ROWS = 20;
/** Lists at most this long are drawn whole. */
const DRAWN_WHOLE = 200;

interface Props {
  team: Id;
  selected: Id | null;
  onOpen: (conversation: Id) => void;
}

export function Dashboard({ team, selected, onOpen }: Props) {
  const [view, setView] = useState<View>("all");
  const [status, setStatus] = useState<ConversationStatus | null>(null);
  const [rows, setRows] = useState<DashboardRow[] | null>(null);
  const [counts, setCounts] = useState<StatusCounts | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(0);
  const [next, setNext] = useState<DashboardCursor | null>(null);
  const [loadingMore, setLoadingMore] = useState(false);
  const presence = usePresence(team);
  /** How many rows the user has asked to see. */
  const wanted = useRef(PAGE);
  const now = useNow();
  const connected = useValue(link).state === "open";
  const shown = rows ?? [];
  const win = useWindow<HTMLUListElement>({
    count: shown.length,
    key: (i) => String(shown[i]?.conversation ?? i),
    estimate: 64,
    whole: DRAWN_WHOLE,
  });
  /** The row the arrow keys move the focus to, once it is drawn. */
  const [focusing, setFocusing] = useState<number | null>(null);

  // Any event of the team may move a row: read the page again.
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const stop = listenTeam(team, (news) => {
      if (news.kind === "signal" || timer !== null) return;
      timer = setTimeout(() => {
        timer = null;
        setStale((n) => n + 1);
      }, DEBOUNCE_MS);
    });
    return () => {
      if (timer !== null) clearTimeout(timer);
      stop();
    };
  }, [team]);

  useEffect(() => {
    wanted.current = PAGE;
  }, [team, view, status]);

  // What is loaded, and of which list: a live read of the same list keeps
  // what it did not reach (see `keepTail`).
  const loaded = useRef<Loaded | null>(null);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    const list = listOf(team, view, status);
    readRows(team, view, status, wanted.current)
      .then((page) => {
        if (!current) return;
        const before = loaded.current?.list === list ? loaded.current : null;
        const kept = keepTail(before, page);
        loaded.current = { list, ...kept };
        setRows(kept.rows);
        setNext(kept.next);
        setCounts(page.counts);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (current)
          setError(failure instanceof Error ? failure.message : "failed");
      });
    return () => {
      current = false;
    };
  }, [team, view, status, stale, connected]);

  // Near the end of what is loaded: the next page.
  const endIndex = win.virtualizer.range?.endIndex ?? 0;
  useEffect(() => {
    if (shown.length > 0 && endIndex >= shown.length - NEAR_END_ROWS)
      showMore();
  });

  useLayoutEffect(() => {
    if (focusing === null) return;
    const row = win.scroller.current?.querySelector<HTMLElement>(
      `[data-index="${String(focusing)}"] button`,
    );
    if (row) {
      row.focus();
      setFocusing(null);
    }
  });

  function onKeyDown(event: KeyboardEvent) {
    const from = (event.target as HTMLElement).closest("[data-index]");
    if (from === null || shown.length === 0) return;
    const at = Number(from.getAttribute("data-index"));
    const to =
      event.key === "ArrowDown"
        ? at + 1
        : event.key === "ArrowUp"
          ? at - 1
          : event.key === "Home"
            ? 0
            : event.key === "End"
              ? shown.length - 1
              : null;
    if (to === null) return;
    event.preventDefault();
    const index = Math.max(0, Math.min(shown.length - 1, to));
    win.virtualizer.scrollToIndex(index, { align: "auto" });
    setFocusing(index);
  }

  function showMore() {
    if (loadingMore) return;
    if (next === null || rows === null) return;
    setLoadingMore(true);
    live()
      .request({
        type: "dashboard",
        team,
        view,
        status,
        after: next,
        limit: PAGE,
      })
      .then((reply) => {
        const shown = new Set(rows.map((r) => r.conversation));
        const added = reply.rows.filter((r) => !shown.has(r.conversation));
        wanted.current = rows.length + added.length;
        const more = [...rows, ...added];
        loaded.current = {
          list: listOf(team, view, status),
          rows: more,
          next: reply.next,
        };
        setRows(more);
        setNext(reply.next);
        setCounts(reply.counts);
      })
      .catch((failure: unknown) => {
        setError(failure instanceof Error ? failure.message : "failed");
      })
      .finally(() => {
        setLoadingMore(false);
      });
  }

  return (
    <section class="dashboard" aria-label="Dashboard">
      <div class="views" role="group" aria-label="View">
        {VIEWS.map((v) => (
          <button
            key={v.id}
            type="button"
            class="chip"
            aria-pressed={view === v.id}
            onClick={() => {
              setView(v.id);
            }}
          >
            {v.label}
          </button>
        ))}
      </div>
      <div class="views" role="group" aria-label="Status">
        <button
          type="button"
          class="chip"
          aria-pressed={status === null}
          onClick={() => {
            setStatus(null);
          }}
        >
          Any status
        </button>
        {STATUSES.map((s) => (
          <button
            key={s}
            type="button"
            class="chip"
            aria-pressed={status === s}
            onClick={() => {
              setStatus(s);
            }}
          >
            {s}
            {counts !== null && ` (${String(counts[s])})`}
          </button>
        ))}
      </div>
      {error !== null && (
        <p class="error" role="alert">
          The dashboard could not load: {error}
        </p>
      )}
      {rows === null ? (
        <p class="muted">Loading…</p>
      ) : rows.length === 0 ? (
        <p class="muted">No conversations here.</p>
      ) : (
        <ul
          class="rows"
          aria-label="Conversations"
          ref={win.scroller}
          onKeyDown={onKeyDown}
        >
          <Spacer height={win.before} />
          {win.items.map((item) => {
            const row = shown[item.index];
            if (row === undefined) return null;
            return (
              <Row
                key={row.conversation}
                index={item.index}
                setSize={next === null ? shown.length : -1}
                measure={win.measure}
                row={row}
                now={now}
                selected={row.conversation === selected}
                online={presence.contactsOnline.has(row.conversation)}
                onOpen={onOpen}
              />
            );
          })}
          <Spacer height={win.after} />
        </ul>
      )}
      {next !== null && (
        <button
          type="button"
          class="secondary"
          disabled={loadingMore}
          onClick={showMore}
        >
          {loadingMore ? "Loading…" : "Show more"}
        </button>
      )}
    </section>
  );
}

function Row({
  index,
  setSize,
  measure,
  row,
  now,
  selected,
  online,
  onOpen,
}: {
  index: number;
  /** How many rows the list has; -1 while more is to load. */
  setSize: number;
  measure: (element: Element | null) => void;
  row: DashboardRow;
  now: number;
  selected: boolean;
  /** Whether the row's web chat contact has the chat open. */
  online: boolean;
  onOpen: (conversation: Id) => void;
}) {
  return (
    <li
      data-index={index}
      aria-posinset={index + 1}
      aria-setsize={setSize}
      ref={measure}
    >
      <button
        type="button"
        class="row"
        data-testid="dashboard-row"
        aria-current={selected ? "true" : undefined}
        onClick={() => {
          onOpen(row.conversation);
        }}
      >
        <span class="row-name">
          {online && (
            <span
              class="dot on"
              role="img"
              aria-label="Contact online"
              data-testid="row-contact-online"
            />
          )}
          {row.contact.name}
        </span>
        <span class={`status status-${row.status}`}>{row.status}</span>
        {row.unread > 0 && (
          <span class="unread" aria-label={`${String(row.unread)} unread`}>
            {row.unread}
          </span>
        )}
        {row.waiting_since !== null ? (
          <span class="waited" title="Waiting for an answer">
            waiting {duration(now - row.waiting_since)}
          </span>
        ) : (
          <span class="waited">
            last message {duration(now - row.last_at)} ago
          </span>
        )}
      </button>
    </li>
  );
}

/** The first `wanted` rows (at least one page), following the cursor. */
async function readRows(
  team: Id,
  view: View,
  status: ConversationStatus | null,
  wanted: number,
): Promise<{
  rows: DashboardRow[];
  next: DashboardCursor | null;
  counts: StatusCounts;
}> {
  const rows: DashboardRow[] = [];
  let after: DashboardCursor | null = null;
  for (let page = 0; ; page++) {
    const reply: ReplyFor<"dashboard"> = await live().request({
      type: "dashboard",
      team,
      view,
      status,
      after,
      limit: PAGE,
    });
    const shown = new Set(rows.map((r) => r.conversation));
    rows.push(...reply.rows.filter((r) => !shown.has(r.conversation)));
    after = reply.next;
    if (after === null || rows.length >= wanted || page + 1 >= MAX_PAGES) {
      return { rows, next: after, counts: reply.counts };
    }
  }
}

/** Which list rows belong to: their team, view and status filter. */
function listOf(team: Id, view: View, status: ConversationStatus | null) {
  return `${String(team)}/${view}/${status ?? ""}`;
}

/** The rows of one list (team, view, status) and where it goes on. */
interface Loaded {
  list: string;
  rows: DashboardRow[];
  next: DashboardCursor | null;
}

/**
 * A live read follows at most MAX_PAGES pages. Rows the user had loaded
 * beyond them stay, after the rows read (less those the read found again,
 * moved up; with those that rows new to the list pushed past the read),
 * with the cursor that went on after them: the list never shrinks under
 * someone scrolled far down. Those rows are as fresh as
 * when they were loaded until the user scrolls back up to the top pages.
 */
function keepTail(
  before: Loaded | null,
  read: { rows: DashboardRow[]; next: DashboardCursor | null },
): { rows: DashboardRow[]; next: DashboardCursor | null } {
  if (
    before === null ||
    read.next === null ||
    before.rows.length <= read.rows.length
  )
    return read;
  const found = new Set(read.rows.map((r) => r.conversation));
  // Rows new to the list pushed as many old ones past what was read.
  const known = new Set(before.rows.map((r) => r.conversation));
  const newcomers = read.rows.filter((r) => !known.has(r.conversation));
  const tail = before.rows
    .slice(Math.max(0, read.rows.length - newcomers.length))
    .filter((r) => !found.has(r.conversation));
  return { rows: [...read.rows, ...tail], next: before.next };
}

/** The time now, ticking every second while mounted. */
function useNow(): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => {
      clearInterval(timer);
    };
  }, []);
  return now;
}

/** "42 s", "5 min", "3 h 12 min", "2 d 4 h". */
export function duration(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${String(s)} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${String(min)} min`;
  const h = Math.floor(min / 60);
  if (h < 24) return `${String(h)} h ${String(min % 60)} min`;
  return `${String(Math.floor(h / 24))} d ${String(h % 24)} h`;
}
