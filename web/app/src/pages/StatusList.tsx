// The team's outcome statuses as an ordered, editable list: each one's
// text, moved up or down, removed; a new one added at the end. Every
// control is a labelled button or field, so the list is run by keyboard
// alone; after a move the focus follows the status that moved.
import { useEffect, useRef, useState } from "preact/hooks";

/** A status being edited; `id` keeps its row (and focus) across moves. */
export interface StatusRow {
  id: number;
  text: string;
}

let nextId = 1;

/** Rows for a list of statuses. */
export function rowsOf(statuses: readonly string[]): StatusRow[] {
  return statuses.map((text) => ({ id: nextId++, text }));
}

interface Props {
  rows: StatusRow[];
  onChange: (rows: StatusRow[]) => void;
  /** The id of the error shown under the list, if any. */
  errorId?: string | undefined;
}

export function StatusList({ rows, onChange, errorId }: Props) {
  const list = useRef<HTMLOListElement>(null);
  const [draft, setDraft] = useState("");
  // After a move: which row's which button takes the focus.
  const [follow, setFollow] = useState<{ id: number; dir: Dir } | null>(null);

  useEffect(() => {
    if (follow === null) return;
    const row = list.current?.querySelector(
      `[data-row="${String(follow.id)}"]`,
    );
    const wanted = row?.querySelector<HTMLButtonElement>(
      `button[data-move="${follow.dir}"]`,
    );
    const other = row?.querySelector<HTMLButtonElement>(
      `button[data-move="${follow.dir === "up" ? "down" : "up"}"]`,
    );
    (wanted?.disabled === false ? wanted : other)?.focus();
    setFollow(null);
  }, [follow]);

  function move(index: number, dir: Dir) {
    const to = dir === "up" ? index - 1 : index + 1;
    const moved = rows[index];
    if (moved === undefined || to < 0 || to >= rows.length) return;
    const next = rows.slice();
    next.splice(index, 1);
    next.splice(to, 0, moved);
    onChange(next);
    setFollow({ id: moved.id, dir });
  }

  function add() {
    const text = draft.trim();
    if (text === "") return;
    onChange([...rows, { id: nextId++, text }]);
    setDraft("");
  }

  return (
    <div class="status-list">
      <ol ref={list} aria-label="Statuses, in the order offered">
        {rows.map((row, index) => {
          const name = row.text.trim() === "" ? "empty status" : row.text;
          return (
            <li key={row.id} data-row={row.id} data-testid="status-row">
              <input
                value={row.text}
                aria-label={`Status ${String(index + 1)}`}
                aria-describedby={errorId}
                onInput={(e) => {
                  const text = e.currentTarget.value;
                  onChange(
                    rows.map((r) => (r.id === row.id ? { ...r, text } : r)),
                  );
                }}
              />
              <button
                type="button"
                class="secondary"
                data-move="up"
                aria-label={`Move ${name} up`}
                disabled={index === 0}
                onClick={() => {
                  move(index, "up");
                }}
              >
                ↑
              </button>
              <button
                type="button"
                class="secondary"
                data-move="down"
                aria-label={`Move ${name} down`}
                disabled={index === rows.length - 1}
                onClick={() => {
                  move(index, "down");
                }}
              >
                ↓
              </button>
              <button
                type="button"
                class="secondary"
                aria-label={`Remove ${name}`}
                onClick={() => {
                  onChange(rows.filter((r) => r.id !== row.id));
                  // Its row is gone: the focus goes to the field below.
                  queueMicrotask(() => {
                    document.getElementById("new-status")?.focus();
                  });
                }}
              >
                Remove
              </button>
            </li>
          );
        })}
      </ol>
      {rows.length === 0 && (
        <p class="muted">No statuses: `^deliver` offers none.</p>
      )}
      <div class="status-add">
        <label for="new-status">New status</label>
        <input
          id="new-status"
          value={draft}
          onInput={(e) => {
            setDraft(e.currentTarget.value);
          }}
          onKeyDown={(e) => {
            // Enter adds the status, and does not save the form.
            if (e.key === "Enter") {
              e.preventDefault();
              add();
            }
          }}
        />
        <button type="button" class="secondary" onClick={add}>
          Add status
        </button>
      </div>
    </div>
  );
}

type Dir = "up" | "down";
