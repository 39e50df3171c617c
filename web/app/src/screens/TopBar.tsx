// The bar above every signed-in screen: the user's name, the logout
// button (with its failure, if any), and the connection's banner.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import type { Session } from "../api";
import { signOut } from "../store";
import { LinkBanner } from "./LinkBanner";

export function TopBar({
  session,
  menu,
}: {
  session: Session;
  /** The phone's menu button, first in the bar. */
  menu?: ComponentChildren;
}) {
  const [error, setError] = useState<string | null>(null);

  async function leave() {
    try {
      await signOut();
    } catch (failure) {
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  return (
    <>
      <header class="topbar">
        {menu}
        <span class="brand">Switchboard</span>
        <span class="who" data-testid="user-name">
          {session.user.name}
        </span>
        <button type="button" class="secondary" onClick={() => void leave()}>
          Log out
        </button>
      </header>
      <LinkBanner />
      {error !== null && (
        <p class="error banner" role="alert">
          Logging out failed: {error}
        </p>
      )}
    </>
  );
}
