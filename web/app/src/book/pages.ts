// A list the server reads a page at a time (the contact book, the posts):
// the pages loaded so far, whether more lie beyond, and loading more.
//
// Invariants: only the newest load's answer shows (one coming late, for
// an older search or filter, is dropped); the first page is read again
// whenever `query` (what the list shows, as a string) changes, or the
// connection opens again.
import type { Dispatch, StateUpdater } from "preact/hooks";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import { reason } from "../pages/errors";

/** One page: its items, and where the next starts (none: the last). */
export interface Page<T> {
  items: T[];
  next: Id | null;
}

export interface Pages<T> {
  items: T[];
  /** For live events to change the loaded items in place. */
  setItems: Dispatch<StateUpdater<T[]>>;
  next: Id | null;
  loading: boolean;
  error: string | null;
  /** Loads the page after `after`, or the first one anew. */
  load: (after: Id | null) => void;
}

export function usePages<T>(
  read: (after: Id | null) => Promise<Page<T>>,
  query: string,
  connected: boolean,
): Pages<T> {
  const [items, setItems] = useState<T[]>([]);
  const [next, setNext] = useState<Id | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  /** Bumped by each load, so a late answer of an older one is dropped. */
  const loads = useRef(0);

  function load(after: Id | null) {
    loads.current += 1;
    const mine = loads.current;
    setLoading(true);
    read(after)
      .then((page) => {
        if (mine !== loads.current) return;
        setItems((list) =>
          after === null ? page.items : [...list, ...page.items],
        );
        setNext(page.next);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (mine === loads.current) setError(reason(failure));
      })
      .finally(() => {
        if (mine === loads.current) setLoading(false);
      });
  }

  useEffect(() => {
    if (connected) load(null);
  }, [query, connected]);

  return { items, setItems, next, loading, error, load };
}
