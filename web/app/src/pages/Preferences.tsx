// The user's preferences for this browser: desktop notifications (and the
// browser's permission for them, asked only from the button here), their
// sound, the unread count in the title, and the theme. Each change is
// stored at once (live/settings.ts); nothing here is the server's.
// A page of the user's own: it needs none of the PageProps.
import { useState } from "preact/hooks";
import { chime } from "../live/notify";
import { useValue } from "../live/observable";
import { change, settings, type Theme } from "../live/settings";
import "./preferences.css";

const THEMES: { id: Theme; label: string }[] = [
  { id: "system", label: "As the system" },
  { id: "light", label: "Light" },
  { id: "dark", label: "Dark" },
];

type Permission = NotificationPermission | "unsupported";

function permissionNow(): Permission {
  return "Notification" in window ? Notification.permission : "unsupported";
}

export function Preferences() {
  const prefs = useValue(settings);
  const [permission, setPermission] = useState<Permission>(permissionNow);

  function ask() {
    void Notification.requestPermission().then(setPermission);
  }

  return (
    <div class="preferences">
      <section aria-labelledby="prefs-alerts">
        <h2 id="prefs-alerts">When a conversation waits on you</h2>
        <p class="muted">
          While Switchboard is in a hidden tab, a conversation that starts
          waiting (assigned to you, or to nobody) can tell you.
        </p>
        <Switch
          id="pref-notify"
          label="Desktop notifications"
          checked={prefs.notify}
          onChange={(notify) => {
            change({ notify });
          }}
        />
        <p class="muted permission" data-testid="notify-permission">
          {permission === "granted" &&
            "This browser shows Switchboard's notifications."}
          {permission === "denied" &&
            "This browser blocks Switchboard's notifications: allow them in the site's settings (the icon left of the address)."}
          {permission === "unsupported" &&
            "This browser has no desktop notifications."}
          {permission === "default" && (
            <button type="button" class="secondary" onClick={ask}>
              Allow desktop notifications
            </button>
          )}
        </p>
        <Switch
          id="pref-sound"
          label="Sound"
          checked={prefs.sound}
          onChange={(sound) => {
            change({ sound });
          }}
        />
        <button type="button" class="secondary try" onClick={chime}>
          Play the sound
        </button>
        <Switch
          id="pref-title"
          label="Count in the tab's title"
          checked={prefs.titleCount}
          onChange={(titleCount) => {
            change({ titleCount });
          }}
        />
      </section>
      <section aria-labelledby="prefs-look">
        <h2 id="prefs-look">Look</h2>
        <fieldset class="theme-choice">
          <legend>Theme</legend>
          {THEMES.map((t) => (
            <label key={t.id}>
              <input
                type="radio"
                name="theme"
                value={t.id}
                checked={prefs.theme === t.id}
                onChange={() => {
                  change({ theme: t.id });
                }}
              />
              {t.label}
            </label>
          ))}
        </fieldset>
      </section>
    </div>
  );
}

function Switch({
  id,
  label,
  checked,
  onChange,
}: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (on: boolean) => void;
}) {
  return (
    <div class="switch">
      <input
        id={id}
        type="checkbox"
        role="switch"
        checked={checked}
        onChange={(event) => {
          onChange(event.currentTarget.checked);
        }}
      />
      <label for={id}>{label}</label>
    </div>
  );
}
