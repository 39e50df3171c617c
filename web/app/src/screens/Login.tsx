// The login screen: email and password into a cookie session. A wrong
// password, a throttled attempt or an unreachable server is shown in an
// alert next to the form, and the form keeps what was typed. A `notice`
// says why the form shows (a sign-up already confirmed, say); a link leads
// to the sign-up page.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../api";
import { AppLink } from "../route";
import { signIn } from "../store";

export function Login(props: { notice?: string | undefined }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const emailField = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    emailField.current?.focus();
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signIn(email.trim(), password);
    } catch (failure) {
      setError(explain(failure));
      setBusy(false);
    }
  }

  return (
    <main class="login">
      <form
        class="card"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="login-title"
      >
        <h1 id="login-title">Log in to Switchboard</h1>
        {props.notice !== undefined && (
          <p class="notice" role="status">
            {props.notice}
          </p>
        )}
        <label for="login-email">Email</label>
        <input
          id="login-email"
          ref={emailField}
          type="email"
          name="email"
          autocomplete="username"
          required
          value={email}
          onInput={(event) => {
            setEmail(event.currentTarget.value);
          }}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          type="password"
          name="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => {
            setPassword(event.currentTarget.value);
          }}
        />
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        <p class="muted">
          New here? <AppLink path="/signup">Create an account</AppLink>
        </p>
      </form>
    </main>
  );
}

function explain(failure: unknown): string {
  if (!(failure instanceof ApiError)) return "Something went wrong. Try again.";
  switch (failure.status) {
    case 401:
      return "Wrong email or password.";
    case 429:
    case 503:
      return failure.retryAfter !== null
        ? `Too many attempts. Try again in ${String(failure.retryAfter)} s.`
        : "Too many attempts. Try again in a moment.";
    default:
      return failure.message;
  }
}
