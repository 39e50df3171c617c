// Keeps the session's teams (names, statuses, roles) in step with the
// server while the app stays open, without a reload:
//
// - a `team_changed` signal of the current team updates its settings in
//   the store at once (the team switcher, the `^deliver` statuses);
// - every `welcome` (each connection, so each reconnect) is compared
//   with the session: when its teams differ (a role changed: the server
//   closed the connection with 4009; a signal dropped; a team renamed
//   while another was shown), the session is read again, so pages and
//   navigation follow the new access.
//
// Signals reach this connection once `presence` opted it in for the
// team; the shell's online list (live/presence.ts) does that for the
// current team. Screens that show members re-read them on their own
// (`useMembersChanged`).
import { useEffect } from "preact/hooks";
import type { Id, TeamInfo as WireTeam } from "switchboard-client";
import type { Session, TeamInfo } from "../api";
import { load, teamChanged } from "../store";
import { link, listenTeam, live } from "./connection";

/** Follows the session's teams for the shell; `team` is the one shown. */
export function useTeamsFollowed(session: Session, team: Id | null): void {
  useEffect(() => {
    return live().on("welcome", (welcome) => {
      if (!sameTeams(welcome.teams, session.teams)) void load();
    });
  }, [session]);

  useEffect(() => {
    if (team === null) return;
    return listenTeam(team, (news) => {
      if (news.kind !== "signal") return;
      const signal = news.frame.signal;
      if (signal.type !== "team_changed") return;
      teamChanged(team, {
        name: signal.name,
        identity: signal.identity,
        statuses: signal.statuses,
        max_members: signal.max_members,
      });
    });
  }, [team]);
}

/**
 * Calls `reread` whenever the team's members may have changed: a
 * `members_changed` signal, a gap in the team's stream, a reconnect
 * (signals may be dropped, so a reconnect always reads again).
 */
export function useMembersChanged(team: Id, reread: () => void): void {
  useEffect(() => {
    const stopNews = listenTeam(team, (news) => {
      if (news.kind === "reset") reread();
      else if (
        news.kind === "signal" &&
        news.frame.signal.type === "members_changed"
      )
        reread();
    });
    const stopLink = link.watch((l) => {
      if (l.state === "open") reread();
    });
    return () => {
      stopLink();
      stopNews();
    };
  }, [team]);
}

/** Whether a welcome's teams say what the session says. */
function sameTeams(wire: readonly WireTeam[], mine: readonly TeamInfo[]) {
  const key = (t: WireTeam | TeamInfo) =>
    JSON.stringify([
      t.id,
      t.role,
      t.name,
      t.handle,
      t.identity,
      t.statuses,
      t.max_members ?? null,
    ]);
  const left = new Set(wire.map(key));
  return left.size === mine.length && mine.every((t) => left.has(key(t)));
}
