// The command palette (Ctrl+K or Cmd+K): a search field over the team's
// conversations, by contact name, and the app's actions (next, previous,
// switch team, help). Arrows move through the results, Enter takes one,
// Escape closes.
//
// The server has no search by name: the palette reads the team's
// dashboard (view `all`, in need order) a page at a time, up to MAX_ROWS
// conversations, and filters those in the browser. A team with more shows
// a note saying only the first MAX_ROWS are searched.
//
// Accessibility: the field is a combobox owning a listbox; the chosen
// option is named by aria-activedescendant, so the focus stays in the
// field while the arrows move.
import { useEffect, useState } from "preact/hooks";
import type {
  DashboardCursor,
  DashboardRow,
  Id,
  ReplyFor,
} from "switchboard-client";
import type { TeamInfo } from "../api";
import { live } from "../live/connection";
import { Modal } from "./Modal";

/** The most conversations read for searching. */
const MAX_ROWS = 500;
const PAGE = 100;
/** The most conversations listed at once; typing narrows the rest. */
const SHOWN = 50;

export type Choice =
  | { kind: "conversation"; conversation: Id }
  | { kind: "next" }
  | { kind: "previous" }
  | { kind: "team"; team: Id }
  | { kind: "help" };

interface Item {
  key: string;
  label: string;
  detail: string;
  choice: Choice;
}

interface Props {
  team: Id;
  teams: TeamInfo[];
  canGoBack: boolean;
  onChoose: (choice: Choice) => void;
  onDismiss: () => void;
}

type Loaded =
  | { kind: "loading" }
  | { kind: "failed"; message: string }
  | { kind: "ready"; rows: DashboardRow[]; complete: boolean };

export function Palette({
  team,
  teams,
  canGoBack,
  onChoose,
  onDismiss,
}: Props) {
  const [query, setQuery] = useState("");
  const [active, setActive] = useState(0);
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });

  useEffect(() => {
    let current = true;
    readRows(team)
      .then((read) => {
        if (current) setLoaded({ kind: "ready", ...read });
      })
      .catch((failure: unknown) => {
        if (current)
          setLoaded({
            kind: "failed",
            message: failure instanceof Error ? failure.message : "failed",
          });
      });
    return () => {
      current = false;
    };
  }, [team]);

  const q = query.trim().toLowerCase();
  const rows = loaded.kind === "ready" ? loaded.rows : [];
  const found = rows.filter((r) => r.contact.name.toLowerCase().includes(q));
  const conversations: Item[] = found.slice(0, SHOWN).map((r) => ({
    key: `c${String(r.conversation)}`,
    label: r.contact.name,
    detail: r.status,
    choice: { kind: "conversation", conversation: r.conversation },
  }));
  const actions = actionsOf(team, teams, canGoBack).filter((a) =>
    a.label.toLowerCase().includes(q),
  );
  const items = [...conversations, ...actions];
  const chosen = Math.min(active, Math.max(items.length - 1, 0));

  function onKeyDown(event: KeyboardEvent) {
    if (event.key === "ArrowDown" && items.length > 0) {
      setActive((chosen + 1) % items.length);
    } else if (event.key === "ArrowUp" && items.length > 0) {
      setActive((chosen - 1 + items.length) % items.length);
    } else if (event.key === "Enter" && items[chosen] !== undefined) {
      onChoose(items[chosen].choice);
    } else {
      return;
    }
    event.preventDefault();
  }

  return (
    <Modal labelledBy="palette-title" class="palette" onDismiss={onDismiss}>
      <h2 id="palette-title" class="visually-hidden">
        Command palette
      </h2>
      <label for="palette-query" class="visually-hidden">
        Search conversations and actions
      </label>
      <input
        id="palette-query"
        type="text"
        role="combobox"
        autocomplete="off"
        spellcheck={false}
        placeholder="Search conversations by name, or actions"
        aria-expanded="true"
        aria-autocomplete="list"
        aria-controls="palette-options"
        aria-activedescendant={
          items.length > 0 ? `palette-option-${String(chosen)}` : undefined
        }
        value={query}
        onInput={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id="palette-options" role="listbox" aria-label="Results">
        {items.map((item, i) => (
          <li
            key={item.key}
            id={`palette-option-${String(i)}`}
            role="option"
            aria-selected={i === chosen}
            class={i === chosen ? "active" : undefined}
            onMouseDown={(e) => {
              // Keeps the focus in the field; the choice closes the dialog.
              e.preventDefault();
              onChoose(item.choice);
            }}
          >
            <span>{item.label}</span> <span class="muted">{item.detail}</span>
          </li>
        ))}
      </ul>
      <p class="muted hint" role="status">
        {loaded.kind === "loading"
          ? "Loading conversations…"
          : loaded.kind === "failed"
            ? `The conversations could not load: ${loaded.message}`
            : items.length === 0
              ? "Nothing matches."
              : found.length > SHOWN
                ? `${String(found.length - SHOWN)} more conversations: type to narrow.`
                : !loaded.complete
                  ? `Searching the first ${String(MAX_ROWS)} conversations.`
                  : ""}
      </p>
      <p class="muted hint">↑ ↓ to move, Enter to open, Esc to close</p>
    </Modal>
  );
}

function actionsOf(team: Id, teams: TeamInfo[], canGoBack: boolean): Item[] {
  const items: Item[] = [
    {
      key: "next",
      label: "Next conversation",
      detail: "action · j",
      choice: { kind: "next" },
    },
  ];
  if (canGoBack)
    items.push({
      key: "previous",
      label: "Previous conversation",
      detail: "action · k",
      choice: { kind: "previous" },
    });
  for (const t of teams) {
    if (t.id === team) continue;
    items.push({
      key: `t${String(t.id)}`,
      label: `Switch to team ${t.name}`,
      detail: "action",
      choice: { kind: "team", team: t.id },
    });
  }
  items.push({
    key: "help",
    label: "Keyboard shortcuts (help)",
    detail: "action · ?",
    choice: { kind: "help" },
  });
  return items;
}

/** The team's conversations in need order, at most MAX_ROWS of them. */
async function readRows(
  team: Id,
): Promise<{ rows: DashboardRow[]; complete: boolean }> {
  const rows: DashboardRow[] = [];
  const seen = new Set<Id>();
  let after: DashboardCursor | null = null;
  while (rows.length < MAX_ROWS) {
    const reply: ReplyFor<"dashboard"> = await live().request({
      type: "dashboard",
      team,
      view: "all",
      status: null,
      after,
      limit: Math.min(PAGE, MAX_ROWS - rows.length),
    });
    // A conversation moving between pages while they are read shows once.
    for (const r of reply.rows) {
      if (seen.has(r.conversation)) continue;
      seen.add(r.conversation);
      rows.push(r);
    }
    after = reply.next;
    if (after === null) return { rows, complete: true };
  }
  return { rows, complete: false };
}
