/**
 * A blast's template as the server reads it (PROTOCOL.md, "Blasts"):
 * `{{name}}`, `{{first_name}}` and `{{FIELD_KEY}}` (a custom field of the
 * team's book), each with an optional fallback after a bar,
 * `{{first_name|there}}`, used when the contact has no value. This reads
 * the placeholders out of a template so a composer can point at an
 * unknown one before the server refuses it; the server renders.
 */

/** The placeholders every contact has, besides the team's custom fields. */
export const BUILT_IN_PLACEHOLDERS: readonly string[] = ["name", "first_name"];

/** One `{{…}}` of a template. */
export interface Placeholder {
  /** The key, trimmed: `first_name`, or a custom field's key. */
  key: string;
  /** The text after the bar, trimmed; null without a bar. */
  fallback: string | null;
  /** Where the `{{` starts, in UTF-16 units. */
  at: number;
}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/** The placeholders of `template`, in order. */
export function placeholdersOf(template: string): Placeholder[] {
  const found: Placeholder[] = [];
  for (const match of template.matchAll(PLACEHOLDER)) {
    const inner = match[1] ?? "";
    const bar = inner.indexOf("|");
    const key = (bar === -1 ? inner : inner.slice(0, bar)).trim();
    const fallback = bar === -1 ? null : inner.slice(bar + 1).trim();
    found.push({ key, fallback, at: match.index });
  }
  return found;
}

/**
 * The keys of `template` that are neither built in nor among `fields`
 * (the team's custom field keys), each once, in order of appearance.
 */
export function unknownPlaceholders(template: string, fields: readonly string[]): string[] {
  const known = new Set([...BUILT_IN_PLACEHOLDERS, ...fields]);
  const unknown: string[] = [];
  for (const { key } of placeholdersOf(template)) {
    if (!known.has(key) && !unknown.includes(key)) unknown.push(key);
  }
  return unknown;
}
