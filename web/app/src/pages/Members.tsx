// A team's members (a Manager's page): each one's name, email, role and
// whether they are online; add by email (AddMember.tsx), change a role,
// remove (behind a confirmation). Below them, the team's Restricted
// Members (RestrictedMembers.tsx).
//
// The list is read again whenever it may have changed: after this page's
// own changes, on a `members_changed` signal (another Manager's), after a
// gap and after every reconnect (signals may be dropped). A stale answer
// never overwrites a newer one. A change to this user's own role or
// membership reads the session again, so pages and navigation follow.
import { useState } from "preact/hooks";
import type { MemberInfo, Role } from "switchboard-client";
import type { Session, TeamInfo } from "../api";
import { live } from "../live/connection";
import { useLiveRead } from "../live/read";
import { usePresence } from "../live/presence";
import { useMembersChanged } from "../live/teams";
import { load } from "../store";
import { AddMember, type MemberAdded } from "./AddMember";
import { Confirm } from "./Confirm";
import { reason } from "./errors";
import type { PageProps } from "./registry";
import { RestrictedMembers } from "./RestrictedMembers";
import "./manage.css";

const ROLE_NAMES: Record<Role, string> = {
  manager: "Manager",
  member: "Member",
};

export function Members({ session, team }: PageProps) {
  if (team === null) return null;
  return <MemberList key={team.id} session={session} team={team} />;
}

function MemberList({ session, team }: { session: Session; team: TeamInfo }) {
  const [notice, setNotice] = useState("");
  const [asked, setAsked] = useState(0);
  const {
    value: members,
    setValue: setMembers,
    error,
    setError,
  } = useLiveRead(
    () =>
      live()
        .request({ type: "members", team: team.id })
        .then((reply) => reply.members),
    [team.id, asked],
    reason,
  );
  const [removing, setRemoving] = useState<MemberInfo | null>(null);
  const online = usePresence(team.id).online;
  const me = session.user.id;
  // The account's owner manages every team whatever the rows say: the
  // server refuses to change their role or remove them.
  const owner = session.accounts.some((a) => a.id === team.account);
  const reread = () => {
    setAsked((n) => n + 1);
  };
  useMembersChanged(team.id, reread);

  function changed(user: number) {
    reread();
    if (user === me) void load();
  }

  function added(reply: MemberAdded) {
    const who = reply.member.user;
    const as = ROLE_NAMES[reply.member.role];
    setNotice(
      reply.invited
        ? `${who.name} was added as ${as}. An invitation was mailed to ${who.email}.`
        : `${who.name} was added as ${as}.`,
    );
    changed(who.id);
  }

  function setRole(member: MemberInfo, role: Role) {
    setNotice("");
    setError(null);
    live()
      .request({ type: "set_role", team: team.id, user: member.user.id, role })
      .then(() => {
        // Shown at once; the list read again confirms it.
        setMembers(
          (list) =>
            list?.map((m) =>
              m.user.id === member.user.id ? { ...m, role } : m,
            ) ?? null,
        );
        setNotice(`${member.user.name} is now a ${ROLE_NAMES[role]}.`);
        changed(member.user.id);
      })
      .catch((failure: unknown) => {
        setError(reason(failure));
        reread();
      });
  }

  function remove(member: MemberInfo): Promise<void> {
    return live()
      .request({ type: "remove_member", team: team.id, user: member.user.id })
      .then(() => {
        setNotice(`${member.user.name} was removed from ${team.name}.`);
        setMembers(
          (list) => list?.filter((m) => m.user.id !== member.user.id) ?? null,
        );
        changed(member.user.id);
      });
  }

  return (
    <div class="members-page">
      <AddMember team={team.id} onAdded={added} />
      <p role="status" class="notice" data-testid="members-notice">
        {notice}
      </p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <h2 id="members-title" class="label" tabIndex={-1}>
        Members{members !== null && ` (${String(members.length)})`}
      </h2>
      <table
        class="members"
        aria-labelledby="members-title"
        aria-busy={members === null}
      >
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Presence</th>
            <th scope="col">
              <span class="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {(members ?? []).map((m) => {
            const fixed = owner && m.user.id === me;
            const here = online.has(m.user.id);
            return (
              <tr key={m.user.id} data-testid="member">
                <th scope="row">{m.user.name}</th>
                <td>{m.user.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${m.user.name}`}
                    value={m.role}
                    disabled={fixed}
                    onChange={(e) => {
                      const role =
                        e.currentTarget.value === "manager"
                          ? "manager"
                          : "member";
                      if (role !== m.role) setRole(m, role);
                    }}
                  >
                    <option value="member">Member</option>
                    <option value="manager">Manager</option>
                  </select>
                </td>
                <td class={here ? "online" : "muted"}>
                  {here ? "Online" : "Offline"}
                </td>
                <td>
                  {!fixed && (
                    <button
                      type="button"
                      class="secondary"
                      aria-label={`Remove ${m.user.name}`}
                      onClick={() => {
                        setRemoving(m);
                      }}
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <RestrictedMembers team={team} />
      {removing !== null && (
        <Confirm
          title={`Remove ${removing.user.name} from ${team.name}?`}
          action="Remove member"
          fallback="members-title"
          onConfirm={() => remove(removing)}
          onClose={() => {
            setRemoving(null);
          }}
        >
          {`They lose access to the team's conversations at once.`}
        </Confirm>
      )}
    </div>
  );
}
