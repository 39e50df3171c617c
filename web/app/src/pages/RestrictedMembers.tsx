// The team's Restricted Members, on a Manager's Members page: every
// pending or accepted invitation into one of the team's conversations
// (`team_invitations`, PROTOCOL.md section 5), with the conversation's
// contact, who invited them and when, each revocable behind a
// confirmation (`revoke_invitation`). Managers (and the account's owner)
// may revoke every one listed, so every row has its button.
//
// Paged: "Show more" asks for the page after the last one shown. The list
// is read again from the start (as many rows as are shown) whenever it
// may have changed: a system message in any of the team's conversations
// (every `^invite` and revocation writes one), a message from someone
// listed as pending (they accepted: accepting writes no message), a gap
// in the stream, a reconnect, and every half minute while someone is
// pending. A stale answer never overwrites a newer one.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id, InvitationCursor, TeamInvitation } from "switchboard-client";
import type { TeamInfo } from "../api";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { Confirm } from "./Confirm";
import { reason } from "./errors";

/** Rows asked for at a time. */
const PAGE = 25;
/** The most rows the server answers at once. */
const MAX_PAGE = 200;
/** How often the list is asked again while an invitation is pending. */
const PENDING_POLL_MS = 30_000;

interface Listed {
  rows: TeamInvitation[];
  next: InvitationCursor | null;
}

export function RestrictedMembers({ team }: { team: TeamInfo }) {
  const [listed, setListed] = useState<Listed | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState("");
  const [asked, setAsked] = useState(0);
  const [more, setMore] = useState(false);
  const [revoking, setRevoking] = useState<TeamInvitation | null>(null);
  const connected = useValue(link).state === "open";
  // Each reading from the start bumps this: a "Show more" answer that
  // started before it belongs to a list no longer shown.
  const generation = useRef(0);
  const shown = useRef(0);
  shown.current = listed?.rows.length ?? 0;
  const pending = useRef(new Set<Id>());
  pending.current = new Set(
    (listed?.rows ?? [])
      .filter((r) => r.state === "pending")
      .map((r) => r.user),
  );
  const anyPending = pending.current.size > 0;
  const reread = () => {
    setAsked((n) => n + 1);
  };

  useEffect(() => {
    return listenTeam(team.id, (news) => {
      if (news.kind === "reset") {
        reread();
        return;
      }
      if (news.kind !== "event") return;
      const event = news.frame.event;
      if (event.type !== "message") return;
      if (
        event.sender.kind === "system" ||
        pending.current.has(event.sender.id)
      )
        reread();
    });
  }, [team.id]);

  useEffect(() => {
    if (!connected || !anyPending) return;
    const timer = setInterval(reread, PENDING_POLL_MS);
    return () => {
      clearInterval(timer);
    };
  }, [connected, anyPending]);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    const mine = ++generation.current;
    const limit = Math.min(Math.max(shown.current, PAGE), MAX_PAGE);
    live()
      .request({ type: "team_invitations", team: team.id, limit })
      .then((reply) => {
        if (!current || mine !== generation.current) return;
        setListed({ rows: reply.invitations, next: reply.next ?? null });
        setError(null);
      })
      .catch((failure: unknown) => {
        if (current) setError(reason(failure));
      });
    // A later request supersedes this one's answer.
    return () => {
      current = false;
    };
  }, [team.id, connected, asked]);

  function showMore(after: InvitationCursor) {
    const mine = generation.current;
    setMore(true);
    live()
      .request({ type: "team_invitations", team: team.id, after, limit: PAGE })
      .then((reply) => {
        if (mine !== generation.current) return;
        setListed((list) => ({
          rows: [...(list?.rows ?? []), ...reply.invitations],
          next: reply.next ?? null,
        }));
        setError(null);
      })
      .catch((failure: unknown) => {
        setError(reason(failure));
      })
      .finally(() => {
        setMore(false);
      });
  }

  function revoke(row: TeamInvitation): Promise<void> {
    return live()
      .request({
        type: "revoke_invitation",
        conversation: row.conversation,
        user: row.user,
      })
      .then(() => {
        setNotice(
          `The invitation of ${row.email} to ${row.contact} was revoked.`,
        );
        setListed(
          (list) =>
            list && {
              ...list,
              rows: list.rows.filter(
                (r) =>
                  r.user !== row.user || r.conversation !== row.conversation,
              ),
            },
        );
        reread();
      });
  }

  const rows = listed?.rows ?? [];
  return (
    <section
      class="restricted-members"
      aria-labelledby="restricted-title"
      data-testid="restricted-members"
    >
      <h2 id="restricted-title" class="label" tabIndex={-1}>
        Restricted Members
        {listed !== null &&
          ` (${String(rows.length)}${listed.next !== null ? "+" : ""})`}
      </h2>
      <p class="muted">
        People from outside the team let into one conversation each.
      </p>
      <p role="status" class="notice" data-testid="restricted-notice">
        {notice}
      </p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {listed !== null && rows.length === 0 && (
        <p class="muted">Nobody from outside the team was invited.</p>
      )}
      {rows.length > 0 && (
        <table
          class="members"
          aria-labelledby="restricted-title"
          aria-busy={listed === null}
        >
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Conversation</th>
              <th scope="col">State</th>
              <th scope="col">Invited by</th>
              <th scope="col">When</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr
                key={`${String(r.conversation)}-${String(r.user)}`}
                data-testid="restricted-member"
                data-state={r.state}
              >
                <th scope="row">
                  {r.name} <span class="muted">{r.email}</span>
                </th>
                <td>{r.contact}</td>
                <td class={r.state === "accepted" ? "online" : "muted"}>
                  {r.state === "pending" ? "Pending" : "Accepted"}
                </td>
                <td>{r.invited_by_name}</td>
                <td>
                  <time dateTime={new Date(r.at).toISOString()}>
                    {new Date(r.at).toLocaleString()}
                  </time>
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`Revoke the invitation of ${r.email} to ${r.contact}`}
                    onClick={() => {
                      setNotice("");
                      setRevoking(r);
                    }}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {listed?.next != null && (
        <button
          type="button"
          class="secondary"
          disabled={more}
          onClick={() => {
            if (listed.next !== null) showMore(listed.next);
          }}
        >
          Show more
        </button>
      )}
      {revoking !== null && (
        <Confirm
          title={`Revoke the invitation of ${revoking.email}?`}
          action="Revoke access"
          fallback="restricted-title"
          onConfirm={() => revoke(revoking)}
          onClose={() => {
            setRevoking(null);
          }}
        >
          {revoking.state === "accepted"
            ? `${revoking.name} leaves the conversation with ${revoking.contact} at once.`
            : "The link in their mail stops working."}
        </Confirm>
      )}
    </section>
  );
}
