// The user's preferences for this browser: desktop notifications, their
// sound, the unread count in the title, and the theme. Kept in
// localStorage under one key.
//
// Invariants: only these settings are stored, never conversation data;
// what is read back is checked field by field (a stored value of the
// wrong type, or none at all, reads as the default), so a hand-edited or
// older entry never breaks the app. The theme is applied to the document
// (`data-theme` on <html>) whenever it changes; "system" removes it, and
// the stylesheet follows `prefers-color-scheme`.
import { Observable } from "./observable";

export type Theme = "system" | "light" | "dark";

export interface Settings {
  /** A desktop notification when a conversation starts waiting on me. */
  notify: boolean;
  /** A short tone with it. */
  sound: boolean;
  /** "(2) Switchboard" while the tab is hidden. */
  titleCount: boolean;
  theme: Theme;
}

const KEY = "switchboard.preferences";

export const DEFAULTS: Settings = {
  notify: true,
  sound: false,
  titleCount: true,
  theme: "system",
};

/** The stored settings, or the defaults for whatever is missing or wrong. */
function read(): Settings {
  let stored: unknown = null;
  try {
    stored = JSON.parse(localStorage.getItem(KEY) ?? "null");
  } catch {
    // Unreadable (not JSON, or storage refused): the defaults.
  }
  if (typeof stored !== "object" || stored === null) return { ...DEFAULTS };
  const s = stored as Record<string, unknown>;
  const flag = (name: "notify" | "sound" | "titleCount"): boolean =>
    typeof s[name] === "boolean" ? s[name] : DEFAULTS[name];
  const theme =
    s.theme === "light" || s.theme === "dark" || s.theme === "system"
      ? s.theme
      : DEFAULTS.theme;
  return {
    notify: flag("notify"),
    sound: flag("sound"),
    titleCount: flag("titleCount"),
    theme,
  };
}

export const settings = new Observable<Settings>(read());

/** Changes some settings, stores them and applies the theme. */
export function change(patch: Partial<Settings>): void {
  const next = { ...settings.get(), ...patch };
  try {
    localStorage.setItem(KEY, JSON.stringify(next));
  } catch {
    // Storage refused (private mode, full): the change holds until reload.
  }
  settings.set(next);
  applyTheme(next.theme);
}

/** Puts the theme on the document: none for "system". */
export function applyTheme(theme: Theme = settings.get().theme): void {
  const root = document.documentElement;
  if (theme === "system") delete root.dataset.theme;
  else root.dataset.theme = theme;
}

// Another tab changed them: follow.
window.addEventListener("storage", (event) => {
  if (event.key !== KEY) return;
  const next = read();
  settings.set(next);
  applyTheme(next.theme);
});
