// One read over the live connection that a screen keeps current: asked
// again whenever its inputs change and each time the connection opens
// (a reconnect may have missed changes), where a later read supersedes an
// earlier one: an answer that arrives after a newer read began is dropped,
// so a slow stale answer never overwrites a fresh one.
import { useEffect, useState } from "preact/hooks";
import { link } from "./connection";
import { useValue } from "./observable";

export interface LiveRead<T> {
  /** The latest answer; null until the first arrives. */
  value: T | null;
  /** Sets the value, for a change the screen made and knows the result of. */
  setValue: (update: T | null | ((current: T | null) => T | null)) => void;
  /** Why the latest read failed, explained; null after a success. */
  error: string | null;
  setError: (error: string | null) => void;
}

/**
 * Reads with `read` while the connection is open, again whenever `deps`
 * change; `read` null reads nothing. `explain` turns a failure into what
 * the screen says.
 */
export function useLiveRead<T>(
  read: (() => Promise<T>) | null,
  deps: readonly unknown[],
  explain: (failure: unknown) => string,
): LiveRead<T> {
  const [value, setValue] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const connected = useValue(link).state === "open";
  useEffect(() => {
    if (read === null || !connected) return;
    let current = true;
    read()
      .then((answer) => {
        if (!current) return;
        setValue(answer);
        setError(null);
      })
      .catch((failure: unknown) => {
        if (current) setError(explain(failure));
      });
    return () => {
      current = false;
    };
    // `read` and `explain` are new each render; `deps` say what it reads.
  }, [...deps, read === null, connected]);
  return { value, setValue, error, setError };
}
