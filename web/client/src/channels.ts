/**
 * How contacts reach a team, as the protocol carries it (PROTOCOL.md,
 * "Web chat", "Bridges" and "Blasts"): the channel a conversation came
 * through, delivery receipts of outbound messages, webhook bridges and
 * their dead letters, the web chat's settings, and blasts (a template sent
 * to an audience of the contact book). The requests, their replies and
 * the events of these parts are listed here and joined to the protocol's
 * unions in protocol.ts. Field names are the JSON names.
 */
import type { ContactQuery } from "./book.js";
import type { Id, Millis } from "./records.js";

// ---- Channels and receipts ----

/** Where a conversation's contact writes from; absent: started in the app or by the SDK. */
export type Channel =
  { kind: "web"; visitor: Id } | { kind: "bridge"; bridge: Id; address: string };

export type DeliveryStatus = "sent" | "delivered" | "failed";

/** The latest receipt of an outbound message a bridge relays. */
export interface Delivery {
  status: DeliveryStatus;
  at: Millis;
  detail?: string | null;
}

/** A receipt as its event carries it (`receipt`). */
export interface Receipt extends Delivery {
  conversation: Id;
  seq: Id;
}

// ---- Bridges ----

/** A webhook bridge: a bot relaying a gateway (SMS or any webhook). */
export interface BridgeInfo {
  id: Id;
  name: string;
  outbound_url: string;
  created_at: Millis;
  /** Outbound messages not yet accepted by the gateway. */
  pending: number;
  dead_letters: number;
}

/** A new bridge and its signing secret, shown this once (empty on a repeat). */
export interface BridgeCreated {
  bridge: BridgeInfo;
  secret: string;
}

/** An outbound message the gateway refused after every retry. */
export interface DeadLetter {
  id: Id;
  bridge: Id;
  conversation: Id;
  seq: Id;
  to: string;
  body: string;
  attempts: number;
  last_error: string;
  failed_at: Millis;
}

// ---- Web chat ----

/** A team's web chat settings (Managers). */
export interface WidgetSettings {
  /** Refuses new visitors and their messages while true. */
  paused: boolean;
  greeting: string;
  /** Sites allowed to embed the chat, as origins (`https://example.com`). */
  allowed_origins: string[];
}

// ---- Blasts ----

export type BlastStatus = "running" | "paused" | "cancelled" | "finished";

export interface BlastInfo {
  id: Id;
  team: Id;
  name: string;
  template: string;
  created_by: Id;
  created_at: Millis;
  status: BlastStatus;
  total: number;
  sent: number;
  skipped: number;
  failed: number;
  replies: number;
  /** Messages per second. */
  rate: number;
}

/** One rendered message of a preview. */
export interface BlastSample {
  contact: Id;
  name: string;
  body: string;
}

export interface BlastPreview {
  /** Contacts of the audience, opted-out ones included. */
  count: number;
  /** Contacts of the audience who opted out: skipped. */
  opted_out: number;
  samples: BlastSample[];
}

export type RecipientState = "pending" | "sent" | "skipped" | "failed";

export interface BlastRecipient {
  contact: Id;
  name: string;
  state: RecipientState;
  conversation?: Id | null;
  seq?: Id | null;
  replied: boolean;
}

/** Who a blast goes to: the contact book's query (its paging members unused). */
export type Audience = Omit<ContactQuery, "after" | "limit">;

// ---- Requests, replies and events ----

export type ChannelRequest =
  | { type: "create_bridge"; team: Id; name: string; outbound_url: string; key?: string | null }
  | { type: "bridges"; team: Id }
  | { type: "dead_letters"; team: Id }
  | { type: "retry_dead_letter"; team: Id; dead_letter: Id }
  | { type: "widget"; team: Id }
  | { type: "set_widget"; team: Id; settings: WidgetSettings; key?: string | null }
  | { type: "preview_blast"; team: Id; audience: Audience; template: string }
  | {
      type: "create_blast";
      team: Id;
      key: string;
      name: string;
      audience: Audience;
      template: string;
    }
  | { type: "blasts"; team: Id }
  /** A blast and a page of its recipients, by contact id, after `after`. */
  | { type: "blast"; team: Id; blast: Id; after?: Id | null }
  | { type: "pause_blast"; team: Id; blast: Id }
  | { type: "resume_blast"; team: Id; blast: Id }
  | { type: "cancel_blast"; team: Id; blast: Id };

export type ChannelReply =
  | ({ type: "bridge" } & BridgeCreated)
  | { type: "bridges"; bridges: BridgeInfo[] }
  | { type: "dead_letters"; dead_letters: DeadLetter[] }
  | ({ type: "dead_letter" } & DeadLetter)
  | ({ type: "widget" } & WidgetSettings)
  | ({ type: "blast_preview" } & BlastPreview)
  | ({ type: "blast" } & BlastInfo)
  | { type: "blasts"; blasts: BlastInfo[] }
  | {
      type: "blast_detail";
      info: BlastInfo;
      recipients: BlastRecipient[];
      /** The `after` of the next page; absent on the last. */
      next?: Id | null;
    };

/** What each request of this part is answered with. */
export interface ChannelReplyOf {
  create_bridge: "bridge";
  bridges: "bridges";
  dead_letters: "dead_letters";
  retry_dead_letter: "dead_letter";
  widget: "widget";
  set_widget: "widget";
  preview_blast: "blast_preview";
  create_blast: "blast";
  blasts: "blasts";
  blast: "blast_detail";
  pause_blast: "blast";
  resume_blast: "blast";
  cancel_blast: "blast";
}

/** Events of protocol version 3 (never sent to a connection that said 1 or 2). */
export type ChannelEvent =
  ({ type: "receipt" } & Receipt) | ({ type: "blast_progress" } & BlastInfo);
