// The navigation between pages: the current team's (its inbox and what a
// Manager runs), the account's for its owner, and the user's own. Only
// pages the session may see and that have a screen are listed.
import type { Session } from "../api";
import { selectPage } from "../store";
import { SCREENS } from "./registry";
import { allowed, format, PAGES, type Page, type Scope } from "./route";

interface Props {
  session: Session;
  team: number | null;
  page: Page;
}

const GROUPS: { scope: Scope; label: string }[] = [
  { scope: "team", label: "This team" },
  { scope: "account", label: "Account" },
  { scope: "user", label: "You" },
];

export function PageNav({ session, team, page }: Props) {
  const shown = PAGES.filter(
    (p) =>
      (p.page === "inbox" || SCREENS[p.page] !== undefined) &&
      allowed(p.page, session, team),
  );
  // The inbox alone needs no navigation.
  if (shown.length <= 1) return null;
  return (
    <nav class="pages" aria-label="Pages">
      {GROUPS.map(({ scope, label }) => {
        const items = shown.filter((p) => p.scope === scope);
        if (items.length === 0) return null;
        return (
          <div key={scope}>
            <h2 class="label">{label}</h2>
            <ul>
              {items.map((p) => (
                <li key={p.page}>
                  <a
                    class="page-link"
                    href={format({ page: p.page, team })}
                    aria-current={p.page === page ? "page" : undefined}
                    onClick={(event) => {
                      // A plain click stays in the app; a modified one
                      // (a new tab) is the browser's.
                      if (event.ctrlKey || event.metaKey || event.shiftKey)
                        return;
                      event.preventDefault();
                      selectPage(p.page);
                    }}
                  >
                    {p.label}
                  </a>
                </li>
              ))}
            </ul>
          </div>
        );
      })}
    </nav>
  );
}
