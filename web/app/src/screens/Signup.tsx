// The sign-up page, `/signup`: name, email, password and account name, then
// "check your mail". The server answers the same whether or not the
// address can be used (so that nobody learns who has an account), so the
// page says no more than that: a mail is on its way if the address can be
// used. The rules a value breaks are the server's: its 400 message is shown
// as it says them, and the form keeps what was typed.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiError, signup } from "../api";
import { AppLink } from "../route";

export function Signup() {
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [account, setAccount] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sentTo, setSentTo] = useState<string | null>(null);
  const first = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    first.current?.focus();
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await signup({
        email: email.trim(),
        password,
        name: name.trim(),
        account_name: account.trim(),
      });
      setSentTo(email.trim());
    } catch (failure) {
      setError(explain(failure));
    }
    setBusy(false);
  }

  if (sentTo !== null) {
    return (
      <CheckMail
        email={sentTo}
        onAgain={() => {
          setSentTo(null);
        }}
      />
    );
  }

  return (
    <main class="login">
      <form
        class="card"
        onSubmit={(event) => void submit(event)}
        aria-labelledby="signup-title"
      >
        <h1 id="signup-title">Create a Switchboard account</h1>
        <label for="signup-name">Your name</label>
        <input
          id="signup-name"
          ref={first}
          name="name"
          autocomplete="name"
          required
          value={name}
          onInput={(event) => {
            setName(event.currentTarget.value);
          }}
        />
        <label for="signup-email">Email</label>
        <input
          id="signup-email"
          type="email"
          name="email"
          autocomplete="username"
          required
          value={email}
          onInput={(event) => {
            setEmail(event.currentTarget.value);
          }}
        />
        <label for="signup-password">Password</label>
        <input
          id="signup-password"
          type="password"
          name="password"
          autocomplete="new-password"
          aria-describedby="signup-password-rules"
          required
          value={password}
          onInput={(event) => {
            setPassword(event.currentTarget.value);
          }}
        />
        <p id="signup-password-rules" class="muted hint">
          At least 10 characters, at most 1024 bytes.
        </p>
        <label for="signup-account">Account name</label>
        <input
          id="signup-account"
          name="account"
          autocomplete="organization"
          aria-describedby="signup-account-help"
          required
          value={account}
          onInput={(event) => {
            setAccount(event.currentTarget.value);
          }}
        />
        <p id="signup-account-help" class="muted hint">
          Your company or project: its teams will belong to it.
        </p>
        {error !== null && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy}>
          {busy ? "Signing up…" : "Sign up"}
        </button>
        <p class="muted">
          Have an account? <AppLink path="/">Log in</AppLink>
        </p>
      </form>
    </main>
  );
}

/** What follows a sign-up: the mail, and only as much as the server knows. */
function CheckMail(props: { email: string; onAgain: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <main class="login">
      <section class="card" aria-labelledby="check-mail-title">
        <h1 id="check-mail-title" ref={heading} tabIndex={-1}>
          Check your mail
        </h1>
        <p>
          If the address <strong>{props.email}</strong> can be used, a mail is
          on its way to it, with a link that confirms the sign-up and logs you
          in. The link works once, for 24 hours.
        </p>
        <p class="muted">
          If that address already has an account, the mail says so instead: then
          log in with its password. Nothing arrived? Look in the spam folder, or
          sign up again: only the newest link works.
        </p>
        <button type="button" onClick={props.onAgain}>
          Sign up again
        </button>
        <p class="muted">
          <AppLink path="/">Back to log in</AppLink>
        </p>
      </section>
    </main>
  );
}

function explain(failure: unknown): string {
  if (!(failure instanceof ApiError)) return "Something went wrong. Try again.";
  const wait =
    failure.retryAfter !== null
      ? `Try again in ${String(failure.retryAfter)} s.`
      : "Try again in a moment.";
  switch (failure.status) {
    case 400:
      // The server names the field and its rule.
      return `Please correct this: ${failure.message}.`;
    case 429:
      return `Too many attempts. ${wait}`;
    case 503:
      return `The server is busy. ${wait}`;
    default:
      return failure.message;
  }
}
