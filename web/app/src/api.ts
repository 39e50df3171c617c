// The HTTP half of a browser session (PROTOCOL.md section 20, "Browser
// sessions"): sign up, log in into an HttpOnly cookie, ask who is logged
// in, log out. The session token never reaches page scripts: the server keeps it
// in the cookie, and every call here sends that cookie (same origin).
//
// Every failure is an ApiError carrying the server's stable error code, so
// a screen branches on `code`, never on a message.

/** Who a user is (PROTOCOL.md section 7, `UserInfo`). */
export interface UserInfo {
  id: number;
  name: string;
  email: string;
  handle: string;
}

/** A team the user belongs to, with their role in it (`TeamInfo`). */
export interface TeamInfo {
  id: number;
  account: number;
  name: string;
  handle: string;
  identity: string;
  statuses: string[];
  max_members?: number | null;
  role: "manager" | "member";
}

/** An account the user owns (`AccountInfo`). */
export interface AccountInfo {
  id: number;
  name: string;
}

/** A conversation a Restricted Member was let into (`GrantInfo`). */
export interface GrantInfo {
  conversation: number;
  team: number;
  /** Its contact's name (`GET /api/session` only; absent in `welcome`). */
  contact?: string | null;
}

/** The answer of `GET /api/session`. */
export interface Session {
  user: UserInfo;
  teams: TeamInfo[];
  accounts: AccountInfo[];
  grants: GrantInfo[];
  /** When the session ends, in milliseconds since the epoch. */
  expires_at: number | null;
}

/** A failed call: the HTTP status and the server's error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds to wait before trying again (`Retry-After`), if given. */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Who is logged in, or null when nobody is (a 401). */
export async function currentSession(): Promise<Session | null> {
  try {
    // `grants` may be absent (PROTOCOL.md section 6): read as empty.
    const session = await call<
      Omit<Session, "grants"> & { grants?: GrantInfo[] }
    >("GET", "/api/session");
    return { ...session, grants: session.grants ?? [] };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null;
    throw error;
  }
}

/** Logs in; the session goes into the cookie, not into this page. */
export async function login(
  email: string,
  password: string,
): Promise<UserInfo> {
  const answer = await call<{ user: UserInfo }>("POST", "/api/login", {
    email,
    password,
    cookie: true,
  });
  return answer.user;
}

/**
 * Accepts an invitation with the token of its mail and a password: the one
 * a new user chooses, or an existing user's own. The session goes into the
 * cookie (PROTOCOL.md section 20, `POST /api/invitations/accept`).
 */
export async function acceptInvitation(
  token: string,
  password: string,
): Promise<UserInfo> {
  const answer = await call<{ user: UserInfo }>(
    "POST",
    "/api/invitations/accept",
    { token, password, cookie: true },
  );
  return answer.user;
}

/** What a sign-up asks for (PROTOCOL.md section 20, `POST /api/signup`). */
export interface SignupRequest {
  email: string;
  password: string;
  name: string;
  account_name: string;
}

/**
 * Asks for an account. The answer is the same whether or not the address
 * is registered: the difference goes by mail, to the address alone.
 */
export async function signup(request: SignupRequest): Promise<void> {
  await call<{ status: string }>("POST", "/api/signup", request);
}

/**
 * Confirms a sign-up with the token of its mail: creates the user and
 * their account, and the session goes into the cookie.
 */
export async function confirmSignup(token: string): Promise<UserInfo> {
  const answer = await call<{ user: UserInfo }>("POST", "/api/signup/confirm", {
    token,
    cookie: true,
  });
  return answer.user;
}

/**
 * Logs out: the server deletes the session, clears the cookie and closes
 * the session's live connections. A session already gone (401) is as good
 * as logged out.
 */
export async function logout(): Promise<void> {
  try {
    await call<null>("POST", "/api/logout");
  } catch (error) {
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}

async function call<T>(
  method: "GET" | "POST",
  path: string,
  body?: object,
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  const init: RequestInit = { method, credentials: "same-origin", headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(
      0,
      "unreachable",
      "The server cannot be reached. Check your connection.",
    );
  }
  if (response.status === 204) return null as T;
  const text = await response.text();
  const parsed = parseJson(text);
  if (response.ok) {
    if (parsed === undefined) {
      throw new ApiError(
        response.status,
        "bad_answer",
        "The server sent an answer the app cannot read.",
      );
    }
    return parsed as T;
  }
  throw errorOf(response, parsed);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function errorOf(response: Response, body: unknown): ApiError {
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  const retryAfter = Number.isFinite(retry) ? retry : null;
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code =
    typeof error.code === "string"
      ? error.code
      : `http_${String(response.status)}`;
  const message =
    typeof error.message === "string"
      ? error.message
      : `The server answered ${String(response.status)}.`;
  return new ApiError(response.status, code, message, retryAfter);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

/**
 * A one-time ticket for a WebSocket hello (PROTOCOL.md section 20): asked
 * for before every connection, reconnections included, as a ticket works
 * once and for 30 seconds.
 */
export async function wsTicket(): Promise<string> {
  const answer = await call<{ ticket: string }>("POST", "/api/ws-ticket");
  return answer.ticket;
}
