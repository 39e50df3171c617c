// How a report's figures read on the page: counts with thousands
// separators, durations in words a person reads at a glance ("1 min
// 30 s"), and names for the ids a report gives (a status, a team, a
// destination). The CSV keeps the raw numbers instead (csv.ts).

/** A count, as `1,234`. */
export function formatCount(count: number): string {
  return count.toLocaleString("en-US");
}

/**
 * A duration in milliseconds, at a precision that suits its size: `850
 * ms`, `4.2 s`, `42 s`, `1 min 30 s`, `2 h 5 min`, `3 d 4 h`. Null (no
 * value, nothing measured) is a dash.
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return "—";
  if (ms < 1000) return `${String(Math.round(ms))} ms`;
  // Below 10 s a tenth of a second still means something; 9,950 ms and
  // above would round to "10.0 s", so they read as whole seconds.
  if (ms < 9950) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${String(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return joined(minutes, "min", seconds % 60, "s");
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return joined(hours, "h", minutes % 60, "min");
  return joined(Math.floor(hours / 24), "d", hours % 24, "h");
}

/** `2 min 5 s`, or `2 min` when the smaller unit is nought. */
function joined(big: number, bigUnit: string, small: number, unit: string) {
  const head = `${String(big)} ${bigUnit}`;
  return small === 0 ? head : `${head} ${String(small)} ${unit}`;
}

/** An outcome's status (null: delivered without one). */
export function statusLabel(status: string | null): string {
  return status ?? "No status";
}

/** A team's name where the session knows it, else its id. */
export function teamLabel(
  team: number,
  teams: readonly { id: number; name: string }[],
): string {
  return teams.find((t) => t.id === team)?.name ?? `Team #${String(team)}`;
}

/** A user's name where known (the team's members), else their id. */
export function userLabel(user: number, names: ReadonlyMap<number, string>) {
  return names.get(user) ?? `User #${String(user)}`;
}
