// Which page of the app is shown, and its address: the inbox of a team,
// a team's management pages, the account's, the user's preferences. The
// address is the page's (a reload or a shared link opens it again), kept
// in step with the store through the History API.
//
// Addresses: `/` (the inbox of the first team), `/teams/ID` (a team's
// inbox), `/teams/ID/PAGE` (a team's page), `/account/PAGE` (the owner's
// account pages), `/preferences`. Anything else reads as the inbox.

/**
 * Pages a mailed link opens (an invitation, a sign-up's confirmation):
 * they own the address bar until they are done with it, so the store
 * leaves it alone while one is shown.
 */
export const LINK_PATHS: readonly string[] = ["/invite", "/signup/confirm"];

/** A page of the app. */
export type Page =
  | "inbox"
  | "contacts"
  | "posts"
  | "import"
  | "settings"
  | "members"
  | "bots"
  | "blasts"
  | "webchat"
  | "bridges"
  | "reports"
  | "usage"
  | "teams"
  | "preferences";

/** Whose a page is: one team's, the account's, or the user's own. */
export type Scope = "team" | "account" | "user";

export interface PageInfo {
  page: Page;
  label: string;
  scope: Scope;
}

/** Every page, in the order the navigation lists them. */
export const PAGES: readonly PageInfo[] = [
  { page: "inbox", label: "Inbox", scope: "team" },
  { page: "contacts", label: "Contacts", scope: "team" },
  { page: "posts", label: "Job posts", scope: "team" },
  { page: "import", label: "Import and export", scope: "team" },
  { page: "blasts", label: "Blasts", scope: "team" },
  { page: "reports", label: "Reports", scope: "team" },
  { page: "members", label: "Members", scope: "team" },
  { page: "settings", label: "Team settings", scope: "team" },
  { page: "bots", label: "Bots", scope: "team" },
  { page: "webchat", label: "Web chat", scope: "team" },
  { page: "bridges", label: "Bridges", scope: "team" },
  { page: "teams", label: "Teams", scope: "account" },
  { page: "usage", label: "Usage", scope: "account" },
  { page: "preferences", label: "Preferences", scope: "user" },
];

/** A team's pages its Members see too (the team's shared records). */
const MEMBERS_PAGES: readonly Page[] = [
  "inbox",
  "contacts",
  "posts",
  "import",
  "blasts",
];

/** Where the address bar points: a page and, for a team's page, the team. */
export interface Route {
  page: Page;
  team: number | null;
}

function scopeOf(page: Page): Scope {
  return PAGES.find((p) => p.page === page)?.scope ?? "team";
}

function isPage(word: string): word is Page {
  return PAGES.some((p) => p.page === word);
}

/** Reads a path (`location.pathname`). */
export function parse(path: string): Route {
  const parts = path.split("/").filter((part) => part !== "");
  if (parts[0] === "teams" && parts[1] !== undefined) {
    const team = Number(parts[1]);
    const page = parts[2] ?? "inbox";
    if (Number.isSafeInteger(team) && team > 0 && isPage(page)) {
      return { page: scopeOf(page) === "team" ? page : "inbox", team };
    }
  }
  if (parts[0] === "account" && parts[1] !== undefined && isPage(parts[1])) {
    if (scopeOf(parts[1]) === "account") return { page: parts[1], team: null };
  }
  if (parts[0] === "preferences") return { page: "preferences", team: null };
  return { page: "inbox", team: null };
}

/** The address of a route. */
export function format(route: Route): string {
  switch (scopeOf(route.page)) {
    case "team":
      if (route.team === null) return "/";
      return route.page === "inbox"
        ? `/teams/${String(route.team)}`
        : `/teams/${String(route.team)}/${route.page}`;
    case "account":
      return `/account/${route.page}`;
    case "user":
      return `/${route.page}`;
  }
}

/**
 * Whether the session may see a page (of `team`, for a team's page): the
 * inbox and the shared records (contacts, posts, import and export) and
 * blasts to every team member, the team's management to its Managers
 * (the account's owner is one in every team of the account), the
 * account's pages to its owner, preferences to everyone. What the server
 * allows decides in the end; this only keeps out of sight what it would
 * refuse.
 */
export function allowed(
  page: Page,
  session: {
    teams: { id: number; role: string }[];
    accounts: { id: number }[];
  },
  team: number | null,
): boolean {
  switch (scopeOf(page)) {
    case "user":
      return true;
    case "account":
      return session.accounts.length > 0;
    case "team": {
      const role = session.teams.find((t) => t.id === team)?.role;
      if (role === undefined) return false;
      return MEMBERS_PAGES.includes(page) || role === "manager";
    }
  }
}
