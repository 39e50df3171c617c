// An import's counts (what a dry run would do, what a run did) and its
// rejected lines with their reasons.
import type { ImportReport, Rejected } from "./imports";

export function Counts({
  report,
  would,
}: {
  report: ImportReport;
  /** A dry run's report: the counts say what would happen. */
  would: boolean;
}) {
  const rows: [string, number][] = [
    [would ? "Would create" : "Created", report.created],
    [would ? "Would merge" : "Merged", report.merged],
    [would ? "Would reject" : "Rejected", report.rejected],
  ];
  return (
    <dl class="counts" data-testid="import-counts">
      {rows.map(([label, count]) => (
        <div key={label}>
          <dt>{label}</dt>
          <dd>{count}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Rejects({ rejects }: { rejects: Rejected[] }) {
  if (rejects.length === 0) return null;
  return (
    <table class="import-map" data-testid="import-rejects">
      <caption>Rejected lines</caption>
      <thead>
        <tr>
          <th scope="col">Line</th>
          <th scope="col">Reason</th>
        </tr>
      </thead>
      <tbody>
        {rejects.map((r) => (
          <tr key={r.line} data-testid="rejected-line">
            <td>{r.line}</td>
            <td>{r.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
