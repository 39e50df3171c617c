// A report's figures, each drawn two ways: as a chart (horizontal bars
// drawn in SVG, the number written beside each bar) or as a table with
// the same numbers. The user picks one for the whole page.
//
// The bars are decoration: every figure is also in the text beside it,
// so each bar's SVG is hidden from assistive technology, and each chart
// is a list named by its heading. Bars are sized through SVG attributes
// (the Content-Security-Policy allows no inline style).
import { Fragment } from "preact";
import { formatCount, formatDuration } from "./format";
import {
  PERCENTILES,
  type CountSection,
  type DurationSection,
} from "./sections";

export type View = "chart" | "table";

/** One breakdown of counts, under its heading. */
export function CountFigure({
  section,
  view,
}: {
  section: CountSection;
  view: View;
}) {
  const titleId = `report-${section.id}-title`;
  const max = Math.max(0, ...section.rows.map((r) => r.count));
  return (
    <section
      class="report-figure"
      aria-labelledby={titleId}
      data-testid={`report-${section.id}`}
    >
      <h2 id={titleId}>{section.title}</h2>
      {section.rows.length === 0 ? (
        <p class="muted">{section.empty}</p>
      ) : view === "chart" ? (
        <ul class="bars" aria-labelledby={titleId}>
          {section.rows.map((row) => (
            <li key={row.label} class="bar-row" data-testid="bar">
              <span class="bar-label">{row.label}</span>
              <Bar share={max === 0 ? 0 : row.count / max} />
              <span class="bar-value">{formatCount(row.count)}</span>
            </li>
          ))}
        </ul>
      ) : (
        <table class="report-table" aria-labelledby={titleId}>
          <thead>
            <tr>
              <th scope="col">{section.column}</th>
              <th scope="col">Count</th>
            </tr>
          </thead>
          <tbody>
            {section.rows.map((row) => (
              <tr key={row.label}>
                <th scope="row">{row.label}</th>
                <td>{formatCount(row.count)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

/**
 * First response and wait: their percentiles as bars on one scale (so
 * the two compare at a glance), or one table.
 */
export function DurationFigure({
  sections,
  view,
}: {
  sections: DurationSection[];
  view: View;
}) {
  const values = sections.flatMap((s) =>
    PERCENTILES.map((p) => s.durations[p.key] ?? 0),
  );
  const max = Math.max(0, ...values);
  return (
    <section
      class="report-figure report-durations"
      aria-labelledby="report-durations-title"
      data-testid="report-durations"
    >
      <h2 id="report-durations-title">Response times</h2>
      <p class="muted">
        First response: from a conversation&apos;s first contact message to the
        first reply. Wait: from each run of contact messages to the next reply.
        Counted when the reply is in the period.
      </p>
      {view === "chart" ? (
        sections.map((s) => (
          <Fragment key={s.id}>
            <h3 id={`report-${s.id}-title`}>{s.title}</h3>
            <p class="muted" data-testid={`report-${s.id}-count`}>
              {measured(s)}
            </p>
            {s.durations.count > 0 && (
              <ul class="bars" aria-labelledby={`report-${s.id}-title`}>
                {PERCENTILES.map((p) => {
                  const ms = s.durations[p.key];
                  return (
                    <li key={p.key} class="bar-row" data-testid="bar">
                      <span class="bar-label">{p.label}</span>
                      <Bar share={max === 0 || ms === null ? 0 : ms / max} />
                      <Duration ms={ms} />
                    </li>
                  );
                })}
              </ul>
            )}
          </Fragment>
        ))
      ) : (
        <table class="report-table" aria-labelledby="report-durations-title">
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <th scope="col">Measured</th>
              {PERCENTILES.map((p) => (
                <th key={p.key} scope="col">
                  {p.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {sections.map((s) => (
              <tr key={s.id} data-testid={`report-${s.id}-row`}>
                <th scope="row">{s.title}</th>
                <td>{formatCount(s.durations.count)}</td>
                {PERCENTILES.map((p) => (
                  <td key={p.key}>
                    <Duration ms={s.durations[p.key]} />
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function measured(s: DurationSection): string {
  const n = s.durations.count;
  if (n === 0) return "Nothing measured in this period.";
  return `Measured over ${formatCount(n)} ${s.unit}${n === 1 ? "" : "s"}.`;
}

/** A duration in words, the milliseconds kept in `value`. */
function Duration({ ms }: { ms: number | null }) {
  return (
    <data class="bar-value" value={ms === null ? "" : String(ms)}>
      {formatDuration(ms)}
    </data>
  );
}

/** A bar filling `share` (0 to 1) of its track. */
function Bar({ share }: { share: number }) {
  return (
    <svg
      class="bar"
      viewBox="0 0 100 10"
      preserveAspectRatio="none"
      aria-hidden="true"
      focusable="false"
    >
      <rect class="bar-track" x="0" y="0" width="100" height="10" />
      <rect
        class="bar-fill"
        x="0"
        y="0"
        width={(share * 100).toFixed(2)}
        height="10"
      />
    </svg>
  );
}
