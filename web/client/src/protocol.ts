/**
 * The frames of the Switchboard wire protocol, version 1 (PROTOCOL.md), as
 * TypeScript types. Field names are exactly the JSON names of the document;
 * ids are plain numbers (the server keeps them below 2^53).
 */

import type {
  Id,
  Millis,
  UserInfo,
  Role,
  TeamInfo,
  AccountInfo,
  GrantInfo,
  MemberInfo,
  BotInfo,
  UsageInfo,
  Limits,
  ConversationStatus,
  Message,
  ConversationInfo,
  DashboardRow,
  DashboardCursor,
  StatusCounts,
  Who,
  Assignees,
  InvitationInfo,
  TeamInvitation,
  InvitationCursor,
  DeliverTo,
  Outcome,
  ReportInfo,
  ContactUpdated,
  NewContact,
  ReadMarker,
  Reader,
  Position,
  Viewer,
  TypingChange,
  PresenceState,
  SendAck,
  Subscribed,
} from "./records.js";
import type {
  ContactCard,
  ContactDraft,
  ContactPatch,
  ContactQuery,
  FieldDef,
  ImportProgress,
  PostDraft,
  PostInfo,
  PostPatch,
  PostStatus,
} from "./book.js";
import type { ChannelEvent, ChannelReply, ChannelReplyOf, ChannelRequest } from "./channels.js";
import type { ContactPresence, Identified, VisitorWelcome } from "./visitor.js";

export type * from "./records.js";
export type * from "./book.js";
export type * from "./channels.js";
export type * from "./visitor.js";

// Version 2: the server also sends the contact book, content and import events;
// version 3: delivery receipts and blast progress.
export const PROTOCOL_VERSION = 3;
export const JSON_SUBPROTOCOL = "switchboard.v1.json";

// ---- Client frames (section 5) ----

export interface HelloFrame {
  type: "hello";
  version: number;
  token: string;
}

/** Every request, without its `id` (the client assigns it). */
export type Request =
  | { type: "subscribe"; team: Id; after?: Position | null }
  | { type: "unsubscribe"; team: Id }
  | {
      type: "send";
      conversation: Id;
      client_msg_id: string;
      body: string;
      as_contact?: boolean;
      /** A post the message carries (rendered as a card); the body may then be empty. */
      post?: Id | null;
    }
  | {
      type: "history";
      conversation: Id;
      before?: Id | null;
      after?: Id | null;
      limit?: number | null;
    }
  | { type: "conversations"; team: Id; before?: Id | null; limit?: number | null }
  | { type: "conversation"; conversation: Id }
  | { type: "start_conversation"; team: Id; contact: NewContact }
  | { type: "mark_read"; conversation: Id; seq: Id }
  | {
      type: "update_contact";
      conversation: Id;
      name?: string | null;
      email?: string | null;
      phone?: string | null;
    }
  | { type: "assign"; conversation: Id; who: Who; key?: string | null }
  | { type: "unassign"; conversation: Id; who: Who; key?: string | null }
  | {
      type: "dashboard";
      team: Id;
      view?: "all" | "mine" | "unassigned";
      status?: ConversationStatus | null;
      after?: DashboardCursor | null;
      limit?: number | null;
    }
  | { type: "next"; team: Id }
  | { type: "invite"; conversation: Id; email: string; note?: string | null; key?: string | null }
  | { type: "revoke_invitation"; conversation: Id; user: Id }
  | { type: "invitations"; conversation: Id }
  | { type: "team_invitations"; team: Id; after?: InvitationCursor | null; limit?: number | null }
  | {
      type: "deliver";
      conversation: Id;
      to: DeliverTo;
      status?: string | null;
      note?: string | null;
      key?: string | null;
    }
  | {
      type: "report";
      team?: Id | null;
      account?: Id | null;
      from?: Millis | null;
      to?: Millis | null;
    }
  | { type: "ping" }
  | { type: "typing"; conversation: Id }
  | { type: "view"; conversation?: Id | null }
  | { type: "presence"; team: Id }
  | {
      type: "create_team";
      account: Id;
      name: string;
      handle: string;
      identity?: string;
      key?: string | null;
    }
  | {
      type: "update_team";
      team: Id;
      name?: string | null;
      identity?: string | null;
      statuses?: string[] | null;
      max_members?: number | null;
    }
  | { type: "remove_team"; team: Id }
  | { type: "members"; team: Id }
  | {
      type: "add_member";
      team: Id;
      email: string;
      role: Role;
      name?: string | null;
      key?: string | null;
    }
  | { type: "remove_member"; team: Id; user: Id }
  | { type: "set_role"; team: Id; user: Id; role: Role }
  | { type: "usage"; account: Id }
  | {
      type: "create_bot";
      team: Id;
      name: string;
      scope: "read" | "read_write" | "bridge";
      key?: string | null;
    }
  | { type: "revoke_bot"; team: Id; bot: Id }
  | { type: "bots"; team: Id }
  // The contact book and posts (book.ts).
  | { type: "contacts"; team: Id; query: ContactQuery }
  | { type: "contact"; team: Id; contact: Id }
  | { type: "create_contact"; team: Id; contact: ContactDraft; key?: string | null }
  | { type: "edit_contact"; team: Id; contact: Id; changes: ContactPatch; key?: string | null }
  | { type: "delete_contact"; team: Id; contact: Id }
  | { type: "merge_contacts"; team: Id; into: Id; from: Id; key?: string | null }
  | { type: "contact_fields"; team: Id }
  | { type: "define_contact_fields"; team: Id; fields: FieldDef[] }
  | {
      type: "posts";
      team: Id;
      status?: PostStatus | null;
      after?: Id | null;
      limit?: number | null;
    }
  | { type: "create_post"; team: Id; post: PostDraft; key?: string | null }
  | { type: "edit_post"; team: Id; post: Id; changes: PostPatch; key?: string | null }
  // Web chat: a visitor names itself (section 25).
  | {
      type: "identify";
      name?: string | null;
      email?: string | null;
      phone?: string | null;
      key?: string | null;
    }
  // Web chat settings, bridges and blasts (channels.ts).
  | ChannelRequest;

export type RequestType = Request["type"];
/** A request frame as written on the wire. */
export type RequestFrame = Request & { id: Id };
export type ClientFrame = HelloFrame | RequestFrame;

// ---- Replies (section 6, `result`) ----

export type Reply =
  | ({ type: "sent" } & SendAck)
  | ({ type: "subscribed" } & Subscribed)
  | { type: "unsubscribed"; team: Id }
  | { type: "history"; conversation: Id; messages: Message[]; more: boolean }
  | { type: "conversations"; team: Id; conversations: ConversationInfo[]; next: Id | null }
  | ({ type: "conversation" } & ConversationInfo)
  | { type: "conversation_details"; conversation: ConversationInfo; reads: Reader[] }
  | ({ type: "read" } & ReadMarker)
  | { type: "pong" }
  | ({ type: "team" } & TeamInfo)
  | { type: "team_removed"; team: Id }
  | { type: "members"; team: Id; members: MemberInfo[] }
  | { type: "member"; team: Id; member: MemberInfo; invited: boolean }
  | { type: "member_removed"; team: Id; user: Id }
  | ({ type: "usage" } & UsageInfo)
  | { type: "bot"; bot: BotInfo; token: string }
  | { type: "bot_revoked"; team: Id; bot: Id }
  | { type: "bots"; team: Id; bots: BotInfo[] }
  | ({ type: "contact" } & ContactUpdated)
  | ({ type: "assignees" } & Assignees)
  | {
      type: "dashboard";
      team: Id;
      rows: DashboardRow[];
      next: DashboardCursor | null;
      counts: StatusCounts;
    }
  | { type: "next"; team: Id; row: DashboardRow | null; reason: "assigned" | "unassigned" | null }
  | { type: "invited"; conversation: Id; email: string; user: Id }
  | { type: "invitation_revoked"; conversation: Id; user: Id }
  | { type: "invitations"; conversation: Id; invitations: InvitationInfo[] }
  | {
      type: "team_invitations";
      team: Id;
      invitations: TeamInvitation[];
      next?: InvitationCursor | null;
    }
  | { type: "typing"; conversation: Id }
  | { type: "view"; conversation: Id | null }
  | ({ type: "presence" } & PresenceState)
  | ({ type: "delivered" } & Outcome)
  | ({ type: "report" } & ReportInfo)
  | { type: "contacts"; contacts: ContactCard[]; next: Id | null }
  | { type: "contact_page"; contact: ContactCard; conversations: ConversationInfo[] }
  | { type: "contact_saved"; contact: ContactCard; merged: boolean }
  | { type: "contact_deleted"; contact: Id; conversations: Id[] }
  | { type: "contact_fields"; fields: FieldDef[] }
  | { type: "posts"; posts: PostInfo[]; next: Id | null }
  | ({ type: "post" } & PostInfo)
  // Web chat (section 25).
  | ({ type: "identified" } & Identified)
  // Web chat settings, bridges and blasts (channels.ts).
  | ChannelReply;

/** What each request is answered with, by request type. */
export interface ReplyOf extends ChannelReplyOf {
  subscribe: "subscribed";
  unsubscribe: "unsubscribed";
  send: "sent" | "assignees" | "invited" | "delivered";
  history: "history";
  conversations: "conversations";
  conversation: "conversation_details";
  start_conversation: "conversation";
  mark_read: "read";
  update_contact: "contact";
  assign: "assignees";
  unassign: "assignees";
  dashboard: "dashboard";
  next: "next";
  invite: "invited";
  revoke_invitation: "invitation_revoked";
  invitations: "invitations";
  team_invitations: "team_invitations";
  deliver: "delivered";
  report: "report";
  ping: "pong";
  typing: "typing";
  view: "view";
  presence: "presence";
  create_team: "team";
  update_team: "team";
  remove_team: "team_removed";
  members: "members";
  add_member: "member";
  remove_member: "member_removed";
  set_role: "member";
  usage: "usage";
  create_bot: "bot";
  revoke_bot: "bot_revoked";
  bots: "bots";
  contacts: "contacts";
  contact: "contact_page";
  create_contact: "contact_saved";
  edit_contact: "contact_saved";
  delete_contact: "contact_deleted";
  merge_contacts: "contact_saved";
  contact_fields: "contact_fields";
  define_contact_fields: "contact_fields";
  posts: "posts";
  create_post: "post";
  edit_post: "post";
  identify: "identified";
}
/** The reply type a request of type `T` resolves to. */
export type ReplyFor<T extends RequestType> = Extract<Reply, { type: ReplyOf[T] }>;

// ---- Events and signals (sections 6, 8, 21) ----

export type Event =
  | ({ type: "message" } & Message)
  | ({ type: "conversation_started" } & ConversationInfo)
  | ({ type: "read" } & ReadMarker)
  | ({ type: "contact_updated" } & ContactUpdated)
  | ({ type: "assignees" } & Assignees)
  | ({ type: "delivered" } & Outcome)
  | { type: "contact_changed"; contact: ContactCard; conversations: Id[] }
  | { type: "contact_deleted"; contact: Id; conversations: Id[] }
  | { type: "contacts_merged"; into: ContactCard; from: Id; conversations: Id[] }
  | { type: "contact_fields"; fields: FieldDef[] }
  | ({ type: "post_changed" } & PostInfo)
  | ({ type: "import_progress" } & ImportProgress)
  // Receipts and blast progress (channels.ts; version 3).
  | ChannelEvent;

export type Signal =
  | { type: "presence"; user: Id; name: string; online: boolean; devices: number }
  | ({ type: "typing" } & TypingChange)
  | { type: "viewing"; conversation: Id; users: Viewer[] }
  | ({ type: "team_changed" } & TeamChange)
  | { type: "members_changed"; team: Id }
  // Web chat: a contact came or went (section 25).
  | ({ type: "contact_presence" } & ContactPresence);

/** A team's settings as an `update_team` left them (the `team_changed` signal). */
export interface TeamChange {
  name: string;
  identity: string;
  statuses: string[];
  /** The member limit; null: none. */
  max_members: number | null;
}

// ---- Errors (section 14) ----

export const ERROR_CODES = [
  "bad_frame",
  "bad_request",
  "bad_state",
  "not_found",
  "forbidden",
  "conflict",
  "too_large",
  "rate_limited",
  "bad_command",
  "command_unavailable",
  "unavailable",
  "internal",
  // Web chat: the team paused its widget (section 25).
  "widget_paused",
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** Whether a request refused with `code` may be retried as it is (section 14). */
export function isRetryableCode(code: string): boolean {
  // A code this client does not know is treated like `internal`.
  return (
    code === "rate_limited" ||
    code === "unavailable" ||
    code === "internal" ||
    !(ERROR_CODES as readonly string[]).includes(code)
  );
}

// ---- Server frames (section 6) ----

export interface WelcomeFrame {
  type: "welcome";
  version: number;
  connection: Id;
  user: UserInfo;
  teams: TeamInfo[];
  accounts: AccountInfo[];
  grants?: GrantInfo[];
  limits: Limits;
  /** A visitor's connection (web chat): its one conversation. */
  visitor?: VisitorWelcome | null;
}
export interface ResultFrame {
  type: "result";
  id: Id;
  result: Reply;
  duplicate?: boolean;
}
export interface ErrorFrame {
  type: "error";
  id: Id | null;
  /** One of ERROR_CODES; a code this client does not know is read like `internal`. */
  code: string;
  message: string;
}
export interface EventFrame {
  type: "event";
  team: Id;
  offset: Id;
  event: Event;
}
export interface SignalFrame {
  type: "signal";
  team: Id;
  signal: Signal;
}
export type ServerFrame = WelcomeFrame | ResultFrame | ErrorFrame | EventFrame | SignalFrame;

/** Parses one text message into a server frame; throws on anything else. */
export function parseServerFrame(text: string): ServerFrame {
  const value: unknown = JSON.parse(text);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new Error("server frame is not a JSON object");
  }
  const type = (value as { type?: unknown }).type;
  if (
    type !== "welcome" &&
    type !== "result" &&
    type !== "error" &&
    type !== "event" &&
    type !== "signal"
  ) {
    throw new Error(`unknown server frame type ${String(type)}`);
  }
  return value as ServerFrame;
}
