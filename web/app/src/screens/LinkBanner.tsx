// The reconnect banner: shown while the live connection is down, with the
// seconds until the next attempt; nothing while it is open.
import { useEffect, useState } from "preact/hooks";
import { link } from "../live/connection";
import { useValue } from "../live/observable";

export function LinkBanner() {
  const { state, retryAt } = useValue(link);
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (retryAt === null) return;
    const timer = setInterval(() => {
      setNow(Date.now());
    }, 500);
    return () => {
      clearInterval(timer);
    };
  }, [retryAt]);

  if (state === "open" || state === "idle") return null;
  let text: string;
  if (state === "waiting" && retryAt !== null) {
    const seconds = Math.max(0, Math.ceil((retryAt - now) / 1000));
    text = `Disconnected. Reconnecting in ${String(seconds)} s…`;
  } else if (state === "stopped") {
    text = "Disconnected. Reload the page to reconnect.";
  } else {
    text = "Connecting…";
  }
  return (
    <p class="banner link-banner" role="status" data-testid="link-banner">
      {text}
    </p>
  );
}
