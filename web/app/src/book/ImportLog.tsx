// The record of a team's imports and exports, for its Managers: who,
// when, what, how many, and how it ended (`GET /api/teams/{team}/imports`).
// Read when shown and again after each import this page ran.
import { useEffect, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import { reason } from "../pages/errors";
import { transfers, type Transfer } from "./imports";

const KINDS: Record<string, string> = {
  import: "Import",
  export_contacts: "Contacts export",
  export_conversations: "Conversations export",
};

export function ImportLog({ team, version }: { team: Id; version: number }) {
  const [rows, setRows] = useState<Transfer[] | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    transfers(team)
      .then((list) => {
        if (current) setRows(list);
      })
      .catch((failure: unknown) => {
        if (current) setError(reason(failure));
      });
    return () => {
      current = false;
    };
  }, [team, version]);

  return (
    <section class="book-panel" aria-labelledby="import-log-title">
      <h2 id="import-log-title">Imports and exports</h2>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rows !== null && rows.length === 0 && (
        <p class="muted">Nothing was imported or exported yet.</p>
      )}
      {rows !== null && rows.length > 0 && (
        <table class="import-map" data-testid="import-log">
          <caption class="visually-hidden">
            The team's imports and exports, newest first
          </caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">What</th>
              <th scope="col">Who</th>
              <th scope="col">How many</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>{new Date(row.at).toLocaleString()}</td>
                <td>
                  {KINDS[row.kind] ?? row.kind}
                  {row.dry_run ? " (dry run)" : ""}
                </td>
                <td>{row.by_name}</td>
                <td>{row.count}</td>
                <td>{row.failure ?? row.status}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
