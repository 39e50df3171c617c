// The import's mapping screen: each CSV column and where it goes (name,
// phone, email, a tag, tags, notes, a custom field, or ignored), a select
// per column, prefilled from the team's saved mapping, else guessed from
// the header's words.
import type { FieldDef } from "switchboard-client";
import type { Mapping, Target } from "./imports";

interface Props {
  headers: string[];
  mapping: Mapping;
  fields: FieldDef[];
  busy: boolean;
  onChange: (mapping: Mapping) => void;
  onDryRun: () => void;
  onCancel: () => void;
}

const PLAIN: { target: Target; label: string }[] = [
  { target: "name", label: "Name" },
  { target: "phone", label: "Phone" },
  { target: "email", label: "Email" },
  { target: "tag", label: "A tag" },
  { target: "tags", label: "Tags (comma-separated)" },
  { target: "notes", label: "Notes" },
  { target: "ignore", label: "Ignore" },
];

/** Where a header's words suggest its column goes. */
function guess(header: string, fields: FieldDef[]): Target {
  const h = header.trim().toLowerCase();
  if (/^(full )?name$|^contact$/.test(h)) return "name";
  if (/phone|mobile|tel/.test(h)) return "phone";
  if (/e-?mail/.test(h)) return "email";
  if (/^tags?$|label/.test(h)) return h === "tag" ? "tag" : "tags";
  if (/note|comment/.test(h)) return "notes";
  const field = fields.find(
    (f) => f.key.toLowerCase() === h || f.label.toLowerCase() === h,
  );
  return field !== undefined ? `field:${field.key}` : "ignore";
}

/** The mapping for these headers: the saved one's choice, else a guess. */
export function guessMapping(
  headers: string[],
  saved: Mapping | null,
  fields: FieldDef[],
): Mapping {
  const columns: Record<string, Target> = {};
  for (const header of headers)
    columns[header] = saved?.columns[header] ?? guess(header, fields);
  return { columns };
}

export function ImportMapping(props: Props) {
  const { headers, mapping, fields } = props;
  const targets = [
    ...PLAIN,
    ...fields.map((f) => ({
      target: `field:${f.key}` as Target,
      label: `Field: ${f.label}`,
    })),
  ];
  return (
    <form
      aria-label="Column mapping"
      onSubmit={(e) => {
        e.preventDefault();
        props.onDryRun();
      }}
    >
      <table class="import-map">
        <caption class="visually-hidden">Where each column goes</caption>
        <thead>
          <tr>
            <th scope="col">CSV column</th>
            <th scope="col">Goes to</th>
          </tr>
        </thead>
        <tbody>
          {headers.map((header, i) => (
            <tr key={header} data-testid="mapping-row">
              <th scope="row">
                <label for={`map-${String(i)}`}>{header}</label>
              </th>
              <td>
                <select
                  id={`map-${String(i)}`}
                  value={mapping.columns[header] ?? "ignore"}
                  onChange={(e) => {
                    props.onChange({
                      columns: {
                        ...mapping.columns,
                        [header]: e.currentTarget.value as Target,
                      },
                    });
                  }}
                >
                  {targets.map((t) => (
                    <option key={t.target} value={t.target}>
                      {t.label}
                    </option>
                  ))}
                </select>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <div class="actions">
        <button type="submit" disabled={props.busy}>
          Dry run
        </button>
        <button type="button" class="secondary" onClick={props.onCancel}>
          Cancel
        </button>
        <span class="muted">
          The mapping is saved for the team's next import.
        </span>
      </div>
    </form>
  );
}
