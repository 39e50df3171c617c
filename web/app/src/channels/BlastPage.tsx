// One blast's page: its progress (live), Pause / Resume / Cancel (Cancel
// asks first: what is sent stays sent, the rest is never sent), and its
// results: each recipient with its state and whether they replied, the
// conversation a click away. The blast shown is the freshest of the
// list's copy (moved by events) and the detail's answer.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  progressed,
  type BlastInfo,
  type BlastRecipient,
  type Id,
} from "switchboard-client";
import { openConversation } from "../book/open";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { formatWhen, reasonOf } from "../pages/admin/common";
import { Confirm } from "../pages/Confirm";
import { BlastBar } from "./BlastBar";
import { useBlastDetail } from "./live";

const STATES: Record<BlastRecipient["state"], string> = {
  pending: "Waiting",
  sent: "Sent",
  skipped: "Skipped (opted out)",
  failed: "Failed",
};

interface Props {
  team: Id;
  blast: Id;
  /** The list's copy of the blast, kept current by events. */
  held: BlastInfo | null;
  put: (blast: BlastInfo) => void;
  onBack: () => void;
}

export function BlastPage({ team, blast, held, put, onBack }: Props) {
  const connected = useValue(link).state === "open";
  const detail = useBlastDetail(team, blast, held);
  const [cancelling, setCancelling] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useLayoutEffect(() => {
    heading.current?.focus();
  }, [blast]);

  const info =
    held !== null && detail.info !== null
      ? progressed(detail.info, held)
      : (held ?? detail.info);

  function act(type: "pause_blast" | "resume_blast" | "cancel_blast") {
    setBusy(true);
    setProblem(null);
    return live()
      .request({ type, team, blast })
      .then(put)
      .finally(() => {
        setBusy(false);
      });
  }

  const live_ = info?.status === "running" || info?.status === "paused";
  return (
    <div class="admin blast-page">
      <button type="button" class="secondary back" onClick={onBack}>
        Back to blasts
      </button>
      <h2 id="blast-title" ref={heading} tabIndex={-1}>
        {info?.name ?? "Blast"}
      </h2>
      {(problem ?? detail.problem) !== null && (
        <p class="error" role="alert">
          {problem ?? detail.problem}
        </p>
      )}
      {info === null ? (
        <p class="muted" role="status">
          Loading the blast…
        </p>
      ) : (
        <>
          <p class="muted">
            Created {formatWhen(info.created_at)} · {info.rate} per second
          </p>
          <blockquote class="blast-template">{info.template}</blockquote>
          <BlastBar blast={info} />
          {live_ && (
            <div class="actions">
              {info.status === "running" ? (
                <button
                  type="button"
                  disabled={busy || !connected}
                  onClick={() => {
                    act("pause_blast").catch((failure: unknown) => {
                      setProblem(reasonOf(failure));
                    });
                  }}
                >
                  Pause
                </button>
              ) : (
                <button
                  type="button"
                  disabled={busy || !connected}
                  onClick={() => {
                    act("resume_blast").catch((failure: unknown) => {
                      setProblem(reasonOf(failure));
                    });
                  }}
                >
                  Resume
                </button>
              )}
              <button
                type="button"
                class="danger"
                disabled={busy || !connected}
                onClick={() => {
                  setCancelling(true);
                }}
              >
                Cancel blast
              </button>
            </div>
          )}
        </>
      )}
      <Results recipients={detail.recipients} total={info?.total ?? 0} />
      {cancelling && info !== null && (
        <Confirm
          title={`Cancel ${info.name}?`}
          action="Cancel blast"
          fallback="blast-title"
          onConfirm={() => act("cancel_blast")}
          onClose={() => {
            setCancelling(false);
          }}
        >
          The messages sent so far stay sent; nobody else gets it. A cancelled
          blast cannot be resumed.
        </Confirm>
      )}
    </div>
  );
}

function Results({
  recipients,
  total,
}: {
  recipients: BlastRecipient[] | null;
  total: number;
}) {
  return (
    <section aria-labelledby="results-title" aria-busy={recipients === null}>
      <h3 id="results-title">Results</h3>
      {recipients === null ? (
        <p class="muted">Loading the recipients…</p>
      ) : recipients.length === 0 ? (
        <p class="muted">No recipients.</p>
      ) : (
        <>
          {recipients.length < total && (
            <p class="muted">
              The first {recipients.length} of {total} recipients.
            </p>
          )}
          <table class="blast-results" data-testid="blast-results">
            <thead>
              <tr>
                <th scope="col">Contact</th>
                <th scope="col">State</th>
                <th scope="col">Replied</th>
              </tr>
            </thead>
            <tbody>
              {recipients.map((r) => (
                <tr key={r.contact} data-testid="recipient">
                  <th scope="row">
                    {r.conversation != null ? (
                      <button
                        type="button"
                        class="link"
                        aria-label={`Open the conversation with ${r.name}`}
                        onClick={() => {
                          if (r.conversation != null)
                            openConversation(r.conversation);
                        }}
                      >
                        {r.name}
                      </button>
                    ) : (
                      r.name
                    )}
                  </th>
                  <td class={`recipient-state ${r.state}`}>
                    {STATES[r.state]}
                  </td>
                  <td>{r.replied ? "Replied" : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}
