// Server refusals of the management requests, sorted by the field they
// are about, so a form shows each by its field (PROTOCOL.md section 5:
// the messages name the field they refuse).
import { RequestError } from "switchboard-client";

/** A refusal: the field it concerns (null: the form as a whole) and why. */
export interface FieldError {
  field: string | null;
  message: string;
}

/** The server's words without the code prefix the client adds. */
export function reason(failure: unknown): string {
  if (failure instanceof RequestError)
    return failure.message.slice(failure.code.length + 2);
  return failure instanceof Error ? failure.message : String(failure);
}

/** Sorts a refusal by the first of `fields` whose pattern its message matches. */
export function fieldError(
  failure: unknown,
  fields: Record<string, RegExp>,
): FieldError {
  const message = reason(failure);
  for (const [field, pattern] of Object.entries(fields)) {
    if (pattern.test(message)) return { field, message };
  }
  return { field: null, message };
}
