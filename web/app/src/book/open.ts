// Opening a conversation from a page other than the inbox (a contact's
// conversations): the shell watches `opening`, shows the conversation in
// its inbox and sets it back to null.
import type { Id } from "switchboard-client";
import { Observable } from "../live/observable";
import { selectPage } from "../store";

/** The conversation a page asked the inbox to open, until it is open. */
export const opening = new Observable<Id | null>(null);

/** Shows the inbox with `conversation` open. */
export function openConversation(conversation: Id): void {
  opening.set(conversation);
  selectPage("inbox");
}
