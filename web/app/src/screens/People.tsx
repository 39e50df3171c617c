// Who was let into the open conversation from outside the team
// (`invitations`, PROTOCOL.md section 5): each invitee's name and email,
// pending or accepted, and a Revoke button where the server says this
// user may revoke (`may_revoke`), behind a confirmation.
//
// Shown to the team's people only: a Restricted Member holds no role in
// the team, is refused the list, and so is never asked for it.
//
// The list is asked again whenever it may have changed: a system message
// in the conversation (every `^invite` and revocation writes one), a
// message from someone listed as pending (they accepted: accepting writes
// no message), a reconnect, and every half minute while someone is
// pending. A stale answer never overwrites a newer one.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id, InvitationInfo } from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { useLiveRead } from "../live/read";
import { Confirm } from "../pages/Confirm";
import { useStore } from "../store";

/** How often the list is asked again while an invitation is pending. */
const PENDING_POLL_MS = 30_000;

interface Props {
  team: Id;
  conversation: Id;
}

export function People({ team, conversation }: Props) {
  const state = useStore();
  const member =
    state.kind === "signed_in" &&
    state.session.teams.some((t) => t.id === team);
  if (!member) return null;
  return <PeopleList team={team} conversation={conversation} />;
}

function PeopleList({ team, conversation }: Props) {
  const [asked, setAsked] = useState(0);
  const {
    value: people,
    setValue: setPeople,
    error,
  } = useLiveRead(
    () =>
      live()
        .request({ type: "invitations", conversation })
        .then((reply) => reply.invitations),
    [conversation, asked],
    (failure) => (failure instanceof Error ? failure.message : "failed"),
  );
  const [confirming, setConfirming] = useState<InvitationInfo | null>(null);
  const connected = useValue(link).state === "open";
  const pending = useRef(new Set<Id>());
  pending.current = new Set(
    (people ?? []).filter((p) => p.state === "pending").map((p) => p.user),
  );
  const anyPending = pending.current.size > 0;

  useEffect(() => {
    return listenTeam(team, (news) => {
      if (news.kind === "reset") {
        setAsked((n) => n + 1);
        return;
      }
      if (news.kind !== "event") return;
      const event = news.frame.event;
      if (event.type !== "message" || event.conversation !== conversation)
        return;
      const sender = event.sender;
      if (sender.kind === "system" || pending.current.has(sender.id))
        setAsked((n) => n + 1);
    });
  }, [team, conversation]);

  useEffect(() => {
    if (!connected || !anyPending) return;
    const timer = setInterval(() => {
      setAsked((n) => n + 1);
    }, PENDING_POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [connected, anyPending]);

  function revoke(person: InvitationInfo): Promise<void> {
    return live()
      .request({ type: "revoke_invitation", conversation, user: person.user })
      .then(() => {
        setPeople(
          (current) => current?.filter((p) => p.user !== person.user) ?? null,
        );
        setAsked((n) => n + 1);
      });
  }

  return (
    <section
      class="people"
      aria-labelledby="people-title"
      data-testid="people"
      aria-busy={people === null}
    >
      <h2 id="people-title" class="label" tabIndex={-1}>
        People in this conversation
      </h2>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {people !== null && people.length === 0 && (
        <p class="muted">Nobody from outside the team was invited.</p>
      )}
      {people !== null && people.length > 0 && (
        <ul>
          {people.map((p) => (
            <li key={p.user} data-testid="invitee" data-state={p.state}>
              <span class="who">
                <span class="name">{p.name}</span>{" "}
                <span class="muted">{p.email}</span>
              </span>
              <span class={`state ${p.state}`}>
                {p.state === "pending" ? "Pending" : "Accepted"}
              </span>
              {p.may_revoke && (
                <button
                  type="button"
                  class="secondary"
                  aria-label={`Revoke the invitation of ${p.email}`}
                  onClick={() => {
                    setConfirming(p);
                  }}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {confirming !== null && (
        <Confirm
          title={`Revoke the invitation of ${confirming.email}?`}
          action="Revoke access"
          onConfirm={() => revoke(confirming)}
          onClose={() => {
            setConfirming(null);
          }}
          // The Revoke button is gone with a revoked invitee: the list's
          // heading takes the focus instead.
          fallback="people-title"
        >
          {confirming.state === "accepted"
            ? `${confirming.name} leaves this conversation at once.`
            : "The link in their mail stops working."}
        </Confirm>
      )}
    </section>
  );
}
