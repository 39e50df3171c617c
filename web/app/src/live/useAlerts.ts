// The signed-in shell's side of the alerts (live/notify.ts): watching
// every team of the session while signed in, and opening the conversation
// a notification's click asks for, in its team's inbox.
import { useEffect } from "preact/hooks";
import type { Id } from "switchboard-client";
import type { Session } from "../api";
import { selectTeam } from "../store";
import { opening, watchTeams } from "./notify";
import { useValue } from "./observable";

export function useAlerts(
  session: Session,
  team: Id | null,
  show: (conversation: Id) => void,
): void {
  const me = session.user.id;
  // One key for the team list, so a new session object with the same
  // teams does not resubscribe.
  const teams = session.teams.map((t) => `${String(t.id)}:${t.name}`).join();
  useEffect(
    () =>
      watchTeams(
        session.teams.map((t) => ({ id: t.id, name: t.name })),
        me,
      ),
    [teams, me],
  );

  // A notification clicked: its team first, then the conversation.
  const wanted = useValue(opening);
  useEffect(() => {
    if (wanted === null) return;
    if (wanted.team !== team) {
      if (session.teams.some((t) => t.id === wanted.team))
        selectTeam(wanted.team);
      else opening.set(null);
      return;
    }
    opening.set(null);
    show(wanted.conversation);
  }, [wanted, team, show, session]);
}
