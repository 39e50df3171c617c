// The app's few addresses: the signed-out pages (`/` to log in, `/signup`)
// are moved between without a reload, and the pages opened from mail
// (`/invite`, `/signup/confirm`) are picked by their path. The path is
// always read from the address bar, never copied, so a `replaceState` by
// a page is seen at the next render.
import { useEffect, useState } from "preact/hooks";

/** Goes to `path` in this page, as a link would, keeping Back working. */
export function goTo(path: string): void {
  history.pushState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** Replaces the path in the address bar, without a new history entry. */
export function replacePath(path: string): void {
  history.replaceState(null, "", path);
  window.dispatchEvent(new PopStateEvent("popstate"));
}

/** The current path, re-rendering the caller when it moves (Back, goTo). */
export function usePath(): string {
  const [, moved] = useState(0);
  useEffect(() => {
    function onMove() {
      moved((n) => n + 1);
    }
    window.addEventListener("popstate", onMove);
    return () => {
      window.removeEventListener("popstate", onMove);
    };
  }, []);
  return location.pathname;
}

/** A link to another page of the app, followed without a reload. */
export function AppLink(props: { path: string; children: string }) {
  return (
    <a
      href={props.path}
      onClick={(event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return;
        event.preventDefault();
        goTo(props.path);
      }}
    >
      {props.children}
    </a>
  );
}
