// What the contact is told about their messages: the length the server
// counts and its limit, a refusal in plain words, the rate limit's notice.

/** The longest message a contact may send, in characters, until the server says (its default). */
export const MAX_CHARS = 2000;

/** Said while the server holds back the contact's messages (rate limit). */
export const SLOW_DOWN =
  "You are writing faster than the chat allows: your messages will go out in a moment.";

/** What the contact is told about a message the server refused. */
export function describe(
  code: string,
  message: string,
  maxChars: number,
): string {
  switch (code) {
    case "widget_paused":
      return "Not sent: this chat is paused.";
    case "too_large":
      return `Not sent: too long (at most ${maxChars.toLocaleString("en")} characters).`;
    case "rate_limited":
      return "Not sent: too many messages at once. Wait a moment and retry.";
    default:
      return message === "" ? "Not sent." : `Not sent: ${message}`;
  }
}

/** A text's length as the server counts it: Unicode code points. */
export function chars(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate and its low one are one code point.
    if (unit < 0xd800 || unit > 0xdbff) n += 1;
  }
  return n;
}
