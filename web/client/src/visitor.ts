/**
 * The web chat's contact side (PROTOCOL.md section 25): what a visitor's
 * welcome says about its one conversation, the `identify` request's answer,
 * the team's public widget card (`GET /api/widget/{handle}`), a visitor's
 * creation (`POST /api/widget/{handle}/visitors`), and the contact presence
 * agents see.
 */
import type { Id } from "./records.js";

/** A visitor's welcome: its team, its one conversation and its contact. */
export interface VisitorWelcome {
  team: Id;
  conversation: Id;
  contact: Id;
  /** The contact's name ("Visitor 1234" until the contact gives one). */
  name: string;
}

/** `identify`'s answer: the contact the visitor now is, and whether it was merged into one already in the book. */
export interface Identified {
  contact: Id;
  merged: boolean;
}

/** Whether a web chat contact has the chat open (signal `contact_presence`, presence's `contacts`). */
export interface ContactPresence {
  conversation: Id;
  contact: Id;
  online: boolean;
}

/** `GET /api/widget/{handle}`: the team as the chat page shows it. */
export interface WidgetCard {
  team: { name: string; identity: string; handle: string };
  greeting: string;
  paused: boolean;
}

/** `POST /api/widget/{handle}/visitors`: a new visitor's token and conversation. */
export interface VisitorCreated {
  token: string;
  team: Id;
  conversation: Id;
  contact: Id;
}
