// The Blasts page of a team (its Owner, Managers and Members): the team's
// blasts, newest first, with their progress live (`blast_progress`); the
// composer; and one blast's page, whose id is the address's (`?blast=7`)
// so a reload shows it again.
import { useEffect, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import { link } from "../live/connection";
import { useValue } from "../live/observable";
import { formatWhen } from "../pages/admin/common";
import type { PageProps } from "../pages/registry";
import { format } from "../pages/route";
import { BlastBar } from "./BlastBar";
import { BlastComposer } from "./BlastComposer";
import { BlastPage } from "./BlastPage";
import { useBlastList } from "./live";
import "../pages/admin/admin.css";
import "./channels.css";

function blastOf(search: string): Id | null {
  const id = Number(new URLSearchParams(search).get("blast"));
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

export function Blasts({ team }: PageProps) {
  if (team === null) return <p>Choose a team to see its blasts.</p>;
  return <TeamBlasts key={team.id} team={team.id} />;
}

function TeamBlasts({ team }: { team: Id }) {
  const connected = useValue(link).state === "open";
  const [open, setOpen] = useState<Id | null>(() => blastOf(location.search));
  const [composing, setComposing] = useState(false);
  const blasts = useBlastList(team);

  // The open blast into the address, once the address is this page's.
  useEffect(() => {
    const path = format({ page: "blasts", team });
    const query = open === null ? "" : `?blast=${String(open)}`;
    if (location.pathname === path && location.search !== query)
      history.replaceState(history.state, "", `${path}${query}`);
  }, [team, open]);

  if (open !== null)
    return (
      <BlastPage
        team={team}
        blast={open}
        held={blasts.list?.find((b) => b.id === open) ?? null}
        put={blasts.put}
        onBack={() => {
          setOpen(null);
          // The list's heading, once it is drawn again.
          setTimeout(() => document.getElementById("blasts-title")?.focus());
        }}
      />
    );

  const list = blasts.list;
  return (
    <div class="admin blasts">
      <p class="muted">
        A blast sends one message to each contact of an audience of the book, in
        their own conversation, at the team&apos;s rate. Contacts who opted out
        are skipped.
      </p>
      {composing ? (
        <BlastComposer
          team={team}
          connected={connected}
          onSent={(blast) => {
            blasts.put(blast);
            setComposing(false);
            setOpen(blast.id);
          }}
          onClose={() => {
            setComposing(false);
            setTimeout(() => document.getElementById("new-blast")?.focus());
          }}
        />
      ) : (
        <button
          type="button"
          id="new-blast"
          class="new-blast"
          onClick={() => {
            setComposing(true);
          }}
        >
          New blast
        </button>
      )}
      <section aria-labelledby="blasts-title" aria-busy={list === null}>
        <h2 id="blasts-title" tabIndex={-1}>
          Blasts
        </h2>
        {blasts.problem !== null && (
          <p class="error" role="alert">
            {blasts.problem}
          </p>
        )}
        {list === null ? (
          blasts.problem === null && (
            <p class="muted" role="status">
              {connected ? "Loading the blasts…" : "Connecting…"}
            </p>
          )
        ) : list.length === 0 ? (
          <p class="muted">No blasts yet.</p>
        ) : (
          <ul class="admin-list" data-testid="blasts">
            {list.map((blast) => (
              <li key={blast.id} data-testid="blast">
                <div class="who">
                  <strong>{blast.name}</strong>
                  <span class="muted">
                    {formatWhen(blast.created_at)} · {blast.total} recipients
                  </span>
                  <BlastBar blast={blast} />
                </div>
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Open ${blast.name}`}
                  onClick={() => {
                    setOpen(blast.id);
                  }}
                >
                  Open
                </button>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
