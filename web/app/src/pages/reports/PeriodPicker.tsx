// The period picker: three presets and custom dates, as a row of toggle
// buttons; "Custom" opens two date fields, applied together (a half-typed
// date is never asked for). The chosen days are written out below, in
// words, so the user knows exactly what the figures cover.
import { useState } from "preact/hooks";
import { daysOf, PRESETS, problemOf, type Period } from "./period";

interface Props {
  period: Period;
  onChange: (period: Period) => void;
}

export function PeriodPicker({ period, onChange }: Props) {
  const days = daysOf(period);
  const [editing, setEditing] = useState(period.kind === "custom");
  const [from, setFrom] = useState(days.from);
  const [to, setTo] = useState(days.to);
  const [problem, setProblem] = useState<string | null>(null);
  const custom = editing || period.kind === "custom";

  function apply(event: Event) {
    event.preventDefault();
    const found = problemOf(from, to);
    setProblem(found);
    if (found === null) onChange({ kind: "custom", from, to });
  }

  return (
    <div class="period">
      <div class="views" role="group" aria-label="Period">
        {PRESETS.map((preset) => (
          <button
            key={preset.kind}
            type="button"
            class="chip"
            aria-pressed={!custom && period.kind === preset.kind}
            onClick={() => {
              setEditing(false);
              setProblem(null);
              onChange({ kind: preset.kind });
            }}
          >
            {preset.label}
          </button>
        ))}
        <button
          type="button"
          class="chip"
          aria-pressed={custom}
          onClick={() => {
            // Starts from the days shown, to adjust rather than retype.
            setFrom(days.from);
            setTo(days.to);
            setEditing(true);
          }}
        >
          Custom
        </button>
      </div>
      {custom && (
        <form class="period-custom" aria-label="Custom period" onSubmit={apply}>
          <label>
            From
            <input
              type="date"
              value={from}
              required
              aria-invalid={problem !== null}
              aria-describedby={problem !== null ? "period-problem" : undefined}
              onInput={(e) => {
                setFrom(e.currentTarget.value);
              }}
            />
          </label>
          <label>
            To
            <input
              type="date"
              value={to}
              required
              aria-invalid={problem !== null}
              aria-describedby={problem !== null ? "period-problem" : undefined}
              onInput={(e) => {
                setTo(e.currentTarget.value);
              }}
            />
          </label>
          <button type="submit">Show</button>
          {problem !== null && (
            <p id="period-problem" class="error" role="alert">
              {problem}
            </p>
          )}
        </form>
      )}
      <p class="muted" data-testid="period-shown">
        {rangeText(days.from, days.to)} (your time zone)
      </p>
    </div>
  );
}

/** `6 Dec 2026`, or `30 Nov 2026 – 6 Dec 2026`. */
function rangeText(from: string, to: string): string {
  const text = (day: string) => {
    const [year, month, date] = day.split("-").map(Number);
    return new Date(year ?? 0, (month ?? 1) - 1, date ?? 1).toLocaleDateString(
      "en-GB",
      { day: "numeric", month: "short", year: "numeric" },
    );
  };
  return from === to ? text(from) : `${text(from)} – ${text(to)}`;
}
