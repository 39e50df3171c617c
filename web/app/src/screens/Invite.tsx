// The invitation page, `/invite#token=sbi_…`, opened from an invitation
// mail. The token is read from the fragment (which browsers never send to
// a server) and taken out of the address bar at once, so it stays out of
// history; it reaches the server only in the body of the accept request.
// A new user chooses a password, an existing one gives theirs: the server
// tells them apart by the invited user, so the two differ only in what
// the form asks. Once accepted, the session is read again and the app
// lands in the conversation (for a Restricted Member, their conversations).
import { useEffect, useRef, useState } from "preact/hooks";
import { acceptInvitation, ApiError } from "../api";
import { load } from "../store";

/** The token of an invitation link, or null when the page has none. */
export function invitationToken(): string | null {
  if (location.pathname !== "/invite") return null;
  const token = new URLSearchParams(location.hash.slice(1)).get("token");
  return token !== null && token.trim() !== "" ? token.trim() : null;
}

/** Shortest password the server takes (PROTOCOL.md section 20). */
const MIN_PASSWORD = 10;

export function Invite(props: { token: string }) {
  const [token, setToken] = useState(props.token);
  const [mode, setMode] = useState<"new" | "existing">("new");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const field = useRef<HTMLInputElement>(null);

  // Another link opened in this tab changes only the fragment: no reload.
  useEffect(() => {
    history.replaceState(null, "", "/invite");
    field.current?.focus();
    function onHash() {
      const next = invitationToken();
      if (next === null) return;
      history.replaceState(null, "", "/invite");
      setToken(next);
      setError(null);
    }
    window.addEventListener("hashchange", onHash);
    return () => {
      window.removeEventListener("hashchange", onHash);
    };
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    if (mode === "new" && password.length < MIN_PASSWORD) {
      setError(
        `Choose a password of at least ${String(MIN_PASSWORD)} characters.`,
      );
      return;
    }
    if (mode === "new" && password !== again) {
      setError("The two passwords differ.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await acceptInvitation(token, password);
      history.replaceState(null, "", "/");
      await load();
    } catch (failure) {
      setError(explain(failure, mode));
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form
        class="card"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="invite-title"
      >
        <h1 id="invite-title">You are invited to a conversation</h1>
        <fieldset class="choice">
          <legend>Who are you?</legend>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === "new"}
              onChange={() => {
                setMode("new");
                setError(null);
              }}
            />{" "}
            New here: choose a password
          </label>
          <label>
            <input
              type="radio"
              name="mode"
              checked={mode === "existing"}
              onChange={() => {
                setMode("existing");
                setError(null);
              }}
            />{" "}
            I have an account: my password
          </label>
        </fieldset>
        <label for="invite-password">
          {mode === "new" ? "Your new password" : "Your password"}
        </label>
        <input
          id="invite-password"
          ref={field}
          type="password"
          name="password"
          autocomplete={mode === "new" ? "new-password" : "current-password"}
          required
          value={password}
          onInput={(event) => {
            setPassword(event.currentTarget.value);
          }}
        />
        {mode === "new" && (
          <>
            <label for="invite-again">Password again</label>
            <input
              id="invite-again"
              type="password"
              name="again"
              autocomplete="new-password"
              required
              value={again}
              onInput={(event) => {
                setAgain(event.currentTarget.value);
              }}
            />
          </>
        )}
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Joining…" : "Join the conversation"}
        </button>
      </form>
    </main>
  );
}

function explain(failure: unknown, mode: "new" | "existing"): string {
  if (!(failure instanceof ApiError)) return "Something went wrong. Try again.";
  switch (failure.status) {
    case 401:
      // Both a spent link and a wrong password are 401; the message says which.
      return failure.message.includes("invitation")
        ? "This invitation link is expired, used or revoked. Ask for a new one."
        : mode === "existing"
          ? "Wrong password. If you are new here, choose “New here”."
          : "This address already has an account: choose “I have an account” and give its password.";
    case 429:
    case 503:
      return failure.retryAfter !== null
        ? `Too many attempts. Try again in ${String(failure.retryAfter)} s.`
        : "Too many attempts. Try again in a moment.";
    default:
      return failure.message;
  }
}
