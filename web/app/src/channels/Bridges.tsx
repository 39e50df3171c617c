// The Bridges page of a team, for its Managers: the team's webhook
// bridges (a gateway such as an SMS provider, connected without code):
// each with its outbound URL, the messages waiting to be accepted and its
// dead letters; a form that creates one and shows its signing secret this
// once; and the dead letters (messages the gateway refused after every
// retry) with Retry.
//
// Lists are read again on a change of team, on a reconnect, and after a
// create or a retry; an answer for another team is never shown.
import { useState } from "preact/hooks";
import type { BridgeCreated, BridgeInfo, Id } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";
import { useLiveRead } from "../live/read";
import { formatWhen, reasonOf } from "../pages/admin/common";
import type { PageProps } from "../pages/registry";
import { BridgeForm } from "./BridgeForm";
import { DeadLetters } from "./DeadLetters";
import { SecretPanel } from "./SecretPanel";
import "../pages/admin/admin.css";
import "./channels.css";

export function Bridges({ team }: PageProps) {
  if (team === null) return <p>Choose a team to see its bridges.</p>;
  return <TeamBridges key={team.id} team={team.id} name={team.name} />;
}

function TeamBridges({ team, name }: { team: Id; name: string }) {
  const connected = useValue(link).state === "open";
  const [asked, setAsked] = useState(0);
  const [created, setCreated] = useState<BridgeCreated | null>(null);
  const { value: list, error: problem } = useLiveRead(
    () =>
      live()
        .request({ type: "bridges", team })
        .then((reply) => reply.bridges),
    [team, asked],
    reasonOf,
  );

  return (
    <div class="admin bridges">
      <p class="muted">
        A bridge connects a gateway (an SMS provider, any webhook) to this team:
        what a contact sends to it comes in as their conversation, and the
        team&apos;s answers go out to its URL, each with a delivery receipt.
      </p>
      {created !== null && (
        <SecretPanel
          created={created}
          onDone={() => {
            setCreated(null);
            document.getElementById("bridges-title")?.focus();
          }}
        />
      )}
      <BridgeForm
        team={team}
        connected={connected}
        onCreated={(made) => {
          setCreated(made);
          setAsked((n) => n + 1);
        }}
      />
      <section aria-labelledby="bridges-title" aria-busy={list === null}>
        <h2 id="bridges-title" tabIndex={-1}>
          Bridges of {name}
        </h2>
        {problem !== null && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        {list === null ? (
          problem === null && (
            <p class="muted" role="status">
              {connected ? "Loading the bridges…" : "Connecting…"}
            </p>
          )
        ) : list.length === 0 ? (
          <p class="muted">This team has no bridges yet.</p>
        ) : (
          <ul class="admin-list" data-testid="bridges">
            {list.map((bridge) => (
              <BridgeRow key={bridge.id} bridge={bridge} />
            ))}
          </ul>
        )}
      </section>
      <DeadLetters
        team={team}
        bridges={list ?? []}
        asked={asked}
        onRetried={() => {
          setAsked((n) => n + 1);
        }}
      />
    </div>
  );
}

function BridgeRow({ bridge }: { bridge: BridgeInfo }) {
  return (
    <li data-testid="bridge">
      <div class="who">
        <strong>{bridge.name}</strong>
        <span class="muted url">{bridge.outbound_url}</span>
        <span class="muted">created {formatWhen(bridge.created_at)}</span>
      </div>
      <span class="figures">
        <span>{bridge.pending} waiting</span> ·{" "}
        <span class={bridge.dead_letters > 0 ? "error" : undefined}>
          {bridge.dead_letters} dead{" "}
          {bridge.dead_letters === 1 ? "letter" : "letters"}
        </span>
      </span>
    </li>
  );
}
