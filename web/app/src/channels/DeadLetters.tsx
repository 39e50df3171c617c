// A team's dead letters: outbound messages a bridge's gateway refused
// after every retry, newest first, each with Retry (`retry_dead_letter`
// puts it back in the bridge's queue; it leaves the list once retried).
import { useState } from "preact/hooks";
import type { BridgeInfo, DeadLetter, Id } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { useLiveRead } from "../live/read";
import { formatWhen, reasonOf } from "../pages/admin/common";

interface Props {
  team: Id;
  bridges: BridgeInfo[];
  /** Bumped by the page to read the list again. */
  asked: number;
  onRetried: () => void;
}

export function DeadLetters({ team, bridges, asked, onRetried }: Props) {
  const connected = useValue(link).state === "open";
  const [retrying, setRetrying] = useState<Id | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const read = useLiveRead(
    () =>
      live()
        .request({ type: "dead_letters", team })
        .then((reply) =>
          [...reply.dead_letters].sort((a, b) => b.failed_at - a.failed_at),
        ),
    [team, asked],
    reasonOf,
  );
  const list = read.value;
  const nameOf = (id: Id) =>
    bridges.find((b) => b.id === id)?.name ?? "A bridge";

  function retry(letter: DeadLetter) {
    setRetrying(letter.id);
    setProblem(null);
    live()
      .request({ type: "retry_dead_letter", team, dead_letter: letter.id })
      .then(() => {
        read.setValue((current) =>
          current === null ? null : current.filter((d) => d.id !== letter.id),
        );
        onRetried();
        document.getElementById("dead-letters-title")?.focus();
      })
      .catch((failure: unknown) => {
        setProblem(reasonOf(failure));
      })
      .finally(() => {
        setRetrying(null);
      });
  }

  return (
    <section aria-labelledby="dead-letters-title" aria-busy={list === null}>
      <h2 id="dead-letters-title" tabIndex={-1}>
        Dead letters
      </h2>
      {(problem ?? read.error) !== null && (
        <p class="error" role="alert">
          {problem ?? read.error}
        </p>
      )}
      {list === null ? null : list.length === 0 ? (
        <p class="muted">No dead letters: every message got through.</p>
      ) : (
        <ul class="admin-list" data-testid="dead-letters">
          {list.map((letter) => (
            <li key={letter.id} data-testid="dead-letter">
              <div class="who">
                <strong>
                  To {letter.to} · {nameOf(letter.bridge)}
                </strong>
                <span class="dead-body">{letter.body}</span>
                <span class="muted">
                  {letter.attempts} attempts · {letter.last_error} · failed{" "}
                  {formatWhen(letter.failed_at)}
                </span>
              </div>
              <button
                type="button"
                class="secondary"
                aria-label={`Retry the message to ${letter.to}`}
                disabled={retrying !== null || !connected}
                onClick={() => {
                  retry(letter);
                }}
              >
                {retrying === letter.id ? "Retrying…" : "Retry"}
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
