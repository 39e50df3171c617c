// The web chat's two HTTP calls (the team's public card, a new visitor)
// and where a visitor's token is kept: localStorage, one entry per team
// handle, so a reload or a closed laptop finds the same conversation.
//
// Invariant: a visitor is created on the contact's first send only, never
// per page view; a token the server no longer takes is forgotten.
import type { Id, VisitorCreated, WidgetCard } from "switchboard-client";

/** A visitor's credentials, as kept for its team. */
export interface Visitor {
  token: string;
  team: Id;
  conversation: Id;
  contact: Id;
}

/** A refusal of the widget's HTTP side, with what to tell the contact. */
export class WidgetError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = "WidgetError";
  }
}

const storageKey = (handle: string) => `switchboard.chat.${handle}`;

export function storedVisitor(handle: string): Visitor | null {
  try {
    const text = localStorage.getItem(storageKey(handle));
    if (text === null) return null;
    const value = JSON.parse(text) as Partial<Visitor>;
    if (
      typeof value.token !== "string" ||
      typeof value.team !== "number" ||
      typeof value.conversation !== "number" ||
      typeof value.contact !== "number"
    )
      return null;
    return value as Visitor;
  } catch {
    // Storage refused (private mode, blocked cookies): a chat per page.
    return null;
  }
}

export function storeVisitor(handle: string, visitor: Visitor | null): void {
  try {
    if (visitor === null) localStorage.removeItem(storageKey(handle));
    else localStorage.setItem(storageKey(handle), JSON.stringify(visitor));
  } catch {
    // Not kept: the chat lasts as long as the page.
  }
}

/** The team's card; null when the handle names no team. */
export async function fetchCard(handle: string): Promise<WidgetCard | null> {
  const response = await fetch(`/api/widget/${encodeURIComponent(handle)}`);
  if (response.status === 404) return null;
  if (!response.ok) throw await refusal(response);
  return (await response.json()) as WidgetCard;
}

export async function createVisitor(handle: string): Promise<Visitor> {
  const response = await fetch(
    `/api/widget/${encodeURIComponent(handle)}/visitors`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    },
  );
  if (!response.ok) throw await refusal(response);
  const created = (await response.json()) as VisitorCreated;
  return {
    token: created.token,
    team: created.team,
    conversation: created.conversation,
    contact: created.contact,
  };
}

async function refusal(response: Response): Promise<WidgetError> {
  let code = "";
  try {
    const body = (await response.json()) as { error?: { code?: unknown } };
    if (typeof body.error?.code === "string") code = body.error.code;
  } catch {
    // Not JSON: the status says enough.
  }
  if (response.status === 429 || code === "too_many_requests")
    return new WidgetError(
      "rate_limited",
      "Too many new chats from your network just now. Please try again in a minute.",
    );
  if (code === "widget_paused")
    return new WidgetError(code, "This chat is paused.");
  return new WidgetError(
    code || "unavailable",
    "The chat is unavailable right now. Please try again shortly.",
  );
}
