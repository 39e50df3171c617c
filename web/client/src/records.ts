/**
 * The records carried inside frames (PROTOCOL.md section 7, and section 21's
 * presence records), as TypeScript types with the JSON field names.
 */

import type { PostCard } from "./book.js";
import type { Channel, Delivery } from "./channels.js";
import type { ContactPresence } from "./visitor.js";

/** An unsigned integer id (team, conversation, user, request, seq, offset, epoch). */
export type Id = number;
/** Milliseconds since 1970-01-01T00:00:00Z. */
export type Millis = number;

// ---- Records (section 7) ----

export interface UserInfo {
  id: Id;
  name: string;
  email: string;
  handle: string;
}
export type Role = "manager" | "member";
export interface TeamInfo {
  id: Id;
  account: Id;
  name: string;
  handle: string;
  identity: string;
  statuses: string[];
  max_members?: number | null;
  role: Role;
}
export interface AccountInfo {
  id: Id;
  name: string;
}
export interface GrantInfo {
  conversation: Id;
  team: Id;
}
export interface MemberInfo {
  user: UserInfo;
  role: Role;
}
export interface BotInfo {
  id: Id;
  team: Id;
  name: string;
  /** A `bridge` relays a channel's contacts (PROTOCOL.md, "Bridges"). */
  scope: "read" | "read_write" | "bridge";
  created_at: Millis;
  revoked: boolean;
}
export interface UsageInfo {
  account: Id;
  seats: number;
  messages: number;
  blasts: number;
}
export interface Limits {
  max_frame_bytes: number;
  max_body_bytes: number;
  max_history_page: number;
  replay_chunk: number;
  outbound_queue_frames: number;
  outbound_queue_bytes: number;
  rate_per_connection: number;
  burst_per_connection: number;
  rate_per_user: number;
  burst_per_user: number;
  rate_refusals_to_close: number;
  rate_window_secs: number;
  max_connections_per_user: number;
  max_connections: number;
  ping_interval_ms: number;
  ping_timeout_ms: number;
  pending_writes: number;
  pending_write_bytes: number;
  // Web chat (section 25); absent from older servers, 0: not said.
  visitor_messages_per_minute?: number;
  visitor_message_burst?: number;
  visitor_message_chars?: number;
  visitor_creations_per_minute?: number;
  visitor_connections_per_address?: number;
}
export type SenderKind = "agent" | "contact" | "bot" | "system";
export interface Sender {
  kind: SenderKind;
  id: Id;
  name: string;
}
export type ConversationStatus = "open" | "waiting" | "delivered";
export interface Message {
  conversation: Id;
  seq: Id;
  offset: Id;
  sender: Sender;
  body: string;
  client_msg_id: string | null;
  at: Millis;
  /** Present only when the message changed the conversation's status. */
  status?: ConversationStatus;
  /** The post the message carries, as it was when sent (a card). */
  post?: PostCard;
  /** The latest delivery receipt of a message a bridge relays. */
  delivery?: Delivery;
}
export interface ContactInfo {
  id: Id;
  name: string;
  email: string | null;
  phone: string | null;
}
export interface ConversationInfo {
  id: Id;
  team: Id;
  contact: ContactInfo;
  status: ConversationStatus;
  last_seq: Id;
  created_at: Millis;
  assignees?: Id[];
  /** Where the contact writes from; absent: started in the app or by the SDK. */
  channel?: Channel;
}
export interface DashboardRow {
  conversation: Id;
  contact: ContactInfo;
  status: ConversationStatus;
  assignees: Id[];
  last_seq: Id;
  last_at: Millis;
  waiting_since: Millis | null;
  waited_ms: number;
  read_seq: Id;
  unread: number;
}
export interface DashboardCursor {
  status: ConversationStatus;
  at: Millis;
  conversation: Id;
}
export interface StatusCounts {
  open: number;
  waiting: number;
  delivered: number;
}
export type Who = { type: "me" } | { type: "user"; handle: string };
export interface Assignees {
  conversation: Id;
  assignees: Id[];
}
/** Someone let into one conversation by `^invite` (`invitations`). */
export interface InvitationInfo {
  user: Id;
  email: string;
  /** As shown to others; for a user the invitation created, the email's local part. */
  name: string;
  state: "pending" | "accepted";
  /** The inviter of record (who invited first). */
  invited_by: Id;
  /** Who else sent it again while it was pending. */
  resent_by: Id[];
  at: Millis;
  /** Whether this caller may `revoke_invitation` it. */
  may_revoke: boolean;
}
/** Someone let into one of a team's conversations (`team_invitations`). */
export interface TeamInvitation {
  conversation: Id;
  /** The name of that conversation's contact. */
  contact: string;
  user: Id;
  email: string;
  name: string;
  state: "pending" | "accepted";
  /** The inviter of record, and their name. */
  invited_by: Id;
  invited_by_name: string;
  at: Millis;
}
/** A place in a team's invitations: where the next page starts. */
export interface InvitationCursor {
  conversation: Id;
  user: Id;
}
export type DeliverTo = { type: "user"; handle: string } | { type: "team"; handle: string };
export type DeliveredTo =
  | { type: "user"; user: Id; name: string }
  | { type: "team"; team: Id; name: string; conversation: Id };
export interface Outcome {
  conversation: Id;
  team: Id;
  seq: Id;
  by: Id;
  by_name: string;
  to: DeliveredTo;
  status: string | null;
  note: string | null;
  at: Millis;
}
export interface Durations {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
}
export interface ReportInfo {
  teams: Id[];
  from: Millis | null;
  to: Millis | null;
  outcomes: {
    total: number;
    by_status: { status: string | null; count: number }[];
    by_user: { user: Id; name: string; count: number }[];
    by_team: { team: Id; count: number }[];
    by_destination: {
      to: { type: "user"; user: Id } | { type: "team"; team: Id };
      count: number;
    }[];
  };
  conversations: { status: string; count: number }[];
  first_response: Durations;
  wait: Durations;
}
export interface ContactUpdated {
  conversation: Id;
  contact: Id;
  name: string;
  email: string | null;
  phone: string | null;
}
export interface NewContact {
  name: string;
  email?: string | null;
  phone?: string | null;
}
export interface ReadMarker {
  conversation: Id;
  user: Id;
  seq: Id;
}
/** A user's read marker in one conversation, with their name (`conversation`). */
export interface Reader {
  user: Id;
  /** As shown to others; "Unknown user" if the user is gone. */
  name: string;
  seq: Id;
}
/** A place in a team's stream: the last event a client applied. */
export interface Position {
  epoch: Id;
  offset: Id;
}
export interface Viewer {
  user: Id;
  name: string;
}
export interface TypingChange {
  conversation: Id;
  user: Id;
  name: string;
  typing: boolean;
  /** The typist is a web chat contact, not a member. */
  contact?: boolean;
}
export interface PresenceState {
  team: Id;
  users: { user: Id; name: string; devices: number }[];
  viewing: { conversation: Id; users: Viewer[] }[];
  typing: TypingChange[];
  signals: boolean;
  /** The web chat contacts online now. */
  contacts?: ContactPresence[];
}
export interface SendAck {
  conversation: Id;
  seq: Id;
  offset: Id;
  at: Millis;
  duplicate: boolean;
}
export type ResumeKind = "fresh" | "recovered" | "epoch_changed" | "offset_ahead";
export interface Subscribed {
  team: Id;
  epoch: Id;
  offset: Id;
  head: Id;
  replayed: number;
  live: boolean;
  resume: ResumeKind;
}
