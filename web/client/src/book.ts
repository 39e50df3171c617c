/**
 * The records of a team's shared book (PROTOCOL.md, "Contacts" and
 * "Posts"): contact cards, drafts and patches, the team's custom field
 * definitions, contact queries, job posts and the post card a message
 * carries, and an import's progress. Field names are the JSON names.
 */
import type { Id, Millis } from "./records.js";

/** A contact as clients see it: one per normalised phone or email in a team. */
export interface ContactCard {
  id: Id;
  team: Id;
  name: string;
  /** E.164 (`+14155550123`), normalised by the server. */
  phones: string[];
  /** Lowercased and trimmed. */
  emails: string[];
  /** Trimmed, lowercase, each once. */
  tags: string[];
  /** Custom field key -> value, validated by the team's field definitions. */
  fields: Record<string, string>;
  notes: string;
  created_at: Millis;
  updated_at: Millis;
}

/** A new contact (`create_contact`): only the name is required. */
export interface ContactDraft {
  name: string;
  phones?: string[];
  emails?: string[];
  tags?: string[];
  fields?: Record<string, string>;
  notes?: string;
}

/** What an `edit_contact` changes: an absent member is left as it is; a list replaces the list. */
export interface ContactPatch {
  name?: string | null;
  phones?: string[] | null;
  emails?: string[] | null;
  tags?: string[] | null;
  fields?: Record<string, string> | null;
  notes?: string | null;
}

export type FieldKind = "text" | "number" | "date" | "choice";

/** A custom field the team defines; a `date` is `YYYY-MM-DD`, a `choice` one of `options`. */
export interface FieldDef {
  key: string;
  label: string;
  kind: FieldKind;
  options?: string[];
}

/** An exact match on one custom field's value. */
export interface FieldFilter {
  key: string;
  value: string;
}

/**
 * A page of a team's contacts, by id ascending: `text` matches name words
 * by prefix, a phone (normalised) or an email; `after` is the previous
 * page's `next`. `limit` defaults to 50, at most 200.
 */
export interface ContactQuery {
  text?: string | null;
  tag?: string | null;
  field?: FieldFilter | null;
  after?: Id | null;
  limit?: number | null;
}

export type PostStatus = "open" | "closed";

/** A job post (or another content kind the team names). */
export interface PostInfo {
  id: Id;
  team: Id;
  /** "job" unless the team names another kind. */
  kind: string;
  title: string;
  body: string;
  link: string | null;
  location: string | null;
  status: PostStatus;
  created_by: Id;
  created_at: Millis;
  updated_at: Millis;
}

/** A new post (`create_post`): kind defaults to "job", status to open. */
export interface PostDraft {
  kind?: string;
  title: string;
  body?: string;
  link?: string | null;
  location?: string | null;
  status?: PostStatus;
}

/** What an `edit_post` changes: an absent member is left as it is. */
export interface PostPatch {
  kind?: string | null;
  title?: string | null;
  body?: string | null;
  link?: string | null;
  location?: string | null;
  status?: PostStatus | null;
}

/** The snapshot of a post a message carries, taken when it was sent. */
export interface PostCard {
  id: Id;
  title: string;
  location: string | null;
  link: string | null;
  status: PostStatus;
}

/** How far a team's CSV import has gone (`import_progress`). */
export interface ImportProgress {
  job: Id;
  /** CSV lines read so far. */
  lines: number;
  created: number;
  merged: number;
  rejected: number;
  done: boolean;
}
