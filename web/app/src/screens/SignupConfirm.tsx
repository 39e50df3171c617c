// The confirmation page, `/signup/confirm#token=sbs_…`, opened from the
// sign-up mail. The token is read from the fragment (which browsers never
// send to a server) and taken out of the address bar at once, so it stays
// out of history; it reaches the server only in the body of the confirm
// request, which creates the account and sets the session cookie. Then the
// session is read and the app opens. A link clicked twice (409) shows the
// login form, saying why; an unknown, used or expired one (401) says so and
// leads back to the sign-up page.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError, confirmSignup } from "../api";
import { AppLink, replacePath } from "../route";
import { askLogin, load } from "../store";

const PATH = "/signup/confirm";

/** The token of a confirmation link, or null when the page has none. */
export function signupToken(): string | null {
  if (location.pathname !== PATH) return null;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  return token !== null && token.trim() !== "" ? token.trim() : null;
}

type Outcome =
  | { kind: "confirming" }
  | { kind: "unknown" }
  | { kind: "failed"; message: string };

export function SignupConfirm(props: { token: string }) {
  const [token, setToken] = useState(props.token);
  const [outcome, setOutcome] = useState<Outcome>({ kind: "confirming" });
  const [attempt, setAttempt] = useState(0);
  const heading = useRef<HTMLHeadingElement>(null);

  // Another link opened in this tab changes only the fragment: no reload.
  useEffect(() => {
    history.replaceState(null, "", PATH);
    function onHash() {
      const next = signupToken();
      if (next === null) return;
      history.replaceState(null, "", PATH);
      setToken(next);
    }
    window.addEventListener("hashchange", onHash);
    return () => {
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  useEffect(() => {
    let current = true;
    setOutcome({ kind: "confirming" });
    confirmSignup(token)
      .then(async () => {
        if (!current) return;
        // Signed in first, then off this page: no login form in between.
        await load();
        replacePath("/");
      })
      .catch((failure: unknown) => {
        if (!current) return;
        if (failure instanceof ApiError && failure.status === 409) {
          // Already confirmed by this link, or the address was registered
          // another way meanwhile: either way the password logs in.
          askLogin(
            failure.message.includes("already confirmed")
              ? "This sign-up is already confirmed: log in with your password."
              : "This address already has an account: log in with its password.",
          );
          replacePath("/");
          return;
        }
        setOutcome(outcomeOf(failure));
      });
    return () => {
      current = false;
    };
  }, [token, attempt]);

  useLayoutEffect(() => {
    heading.current?.focus();
  }, [outcome.kind]);

  return (
    <main class="login">
      <section class="card" aria-labelledby="confirm-title">
        <h1 id="confirm-title" ref={heading} tabIndex={-1}>
          {outcome.kind === "confirming"
            ? "Confirming your sign-up…"
            : "Your sign-up is not confirmed"}
        </h1>
        {outcome.kind === "confirming" && (
          <p class="muted" role="status">
            One moment: your account is being created.
          </p>
        )}
        {outcome.kind === "unknown" && (
          <>
            <p class="error" role="alert">
              This link is unknown, used or expired. A confirmation link works
              once, for 24 hours, and only the newest one sent to an address.
            </p>
            <p>
              <AppLink path="/signup">Sign up again</AppLink> to get a new link,
              or <AppLink path="/">log in</AppLink> if you already have an
              account.
            </p>
          </>
        )}
        {outcome.kind === "failed" && (
          <>
            <p class="error" role="alert">
              {outcome.message}
            </p>
            <button
              type="button"
              onClick={() => {
                setAttempt((n) => n + 1);
              }}
            >
              Try again
            </button>
          </>
        )}
      </section>
    </main>
  );
}

function outcomeOf(failure: unknown): Outcome {
  if (!(failure instanceof ApiError))
    return { kind: "failed", message: "Something went wrong. Try again." };
  const wait =
    failure.retryAfter !== null
      ? `Try again in ${String(failure.retryAfter)} s.`
      : "Try again in a moment.";
  switch (failure.status) {
    case 401:
      return { kind: "unknown" };
    case 429:
      return { kind: "failed", message: `Too many attempts. ${wait}` };
    case 503:
      return { kind: "failed", message: `The server is busy. ${wait}` };
    default:
      return { kind: "failed", message: failure.message };
  }
}
