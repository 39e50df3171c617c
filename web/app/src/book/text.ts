// How the book's lists are typed into one input and read back: phones,
// emails and tags as comma-separated words, each trimmed, empties dropped.
// The server normalises and validates; this only splits.

/** The words of a comma-separated list. */
export function listOf(text: string): string[] {
  return text
    .split(/[,;\n]/)
    .map((word) => word.trim())
    .filter((word) => word !== "");
}

/** A list as typed back into its input. */
export function textOf(list: readonly string[]): string {
  return list.join(", ");
}

/** Whether two lists hold the same words in the same order. */
export function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((word, i) => word === b[i]);
}
