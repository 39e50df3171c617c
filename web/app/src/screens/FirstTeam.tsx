// "Create your first team": what an account's owner who belongs to no team
// (a new sign-up) sees in place of the inbox. It sends `create_team` over
// the live connection (PROTOCOL.md section 5), then reads the session
// again, so the new team and its (empty) inbox show.
//
// Invariant: one submitted form makes at most one team. The request
// carries an idempotency key, kept for as long as the same request may be
// retried (a double click, a reconnect, the client's outbox resending), so
// a retry is answered with the first team; a new key is drawn only after
// the server refused the request, as the form then changes.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { RequestError } from "switchboard-client";
import { live } from "../live/connection";
import { load } from "../store";

/** A fresh idempotency key: 16 random bytes in hex. */
function freshKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** A handle suggested by a team's name: lower case, dashes for the rest. */
function handleOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
}

export function FirstTeam(props: { account: number }) {
  const [name, setName] = useState("");
  const [handle, setHandle] = useState("");
  const [handleEdited, setHandleEdited] = useState(false);
  const [identity, setIdentity] = useState("");
  const [handleError, setHandleError] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(freshKey());
  const first = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    first.current?.focus();
  }, []);

  async function submit(event: Event) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setHandleError(null);
    const client = live();
    try {
      await client.request({
        type: "create_team",
        account: props.account,
        name: name.trim(),
        handle: handle.trim(),
        identity: identity.trim(),
        key: key.current,
      });
      await load();
      // The form is gone with the team made: the keyboard goes on from
      // the new team's inbox, whose heading the shell renders.
      document.getElementById("inbox-title")?.focus();
    } catch (failure) {
      // A refused request stays in the outbox, failed: drop it, and let
      // the corrected form go with a key of its own.
      client.outbox.remove(key.current);
      key.current = freshKey();
      if (failure instanceof RequestError && failure.code === "conflict") {
        setHandleError(
          `The handle “${handle.trim()}” is taken: choose another.`,
        );
      } else if (failure instanceof RequestError) {
        setError(failure.message.replace(/^[a-z_]+: /, ""));
      } else {
        setError(
          failure instanceof Error ? failure.message : "Something went wrong.",
        );
      }
      setBusy(false);
    }
  }

  return (
    <form
      class="first-team"
      aria-labelledby="first-team-title"
      onSubmit={(event) => void submit(event)}
    >
      <h2 id="first-team-title">Create your first team</h2>
      <p class="muted">
        A team shares an inbox: the conversations with its contacts. You can add
        people to it once it exists.
      </p>
      <label for="team-name">Team name</label>
      <input
        id="team-name"
        ref={first}
        required
        value={name}
        onInput={(event) => {
          const next = event.currentTarget.value;
          setName(next);
          if (!handleEdited) {
            setHandle(handleOf(next));
            setHandleError(null);
          }
        }}
      />
      <label for="team-handle">Handle</label>
      <input
        id="team-handle"
        required
        maxLength={64}
        aria-invalid={handleError !== null ? "true" : undefined}
        aria-describedby="team-handle-help"
        value={handle}
        onInput={(event) => {
          setHandle(event.currentTarget.value);
          setHandleEdited(true);
          setHandleError(null);
        }}
      />
      {handleError !== null ? (
        <p id="team-handle-help" class="error" role="alert">
          {handleError}
        </p>
      ) : (
        <p id="team-handle-help" class="muted hint">
          Unique on this server: letters, digits, “.”, “_” and “-”, starting
          with a letter or digit.
        </p>
      )}
      <label for="team-identity">Chat identity (optional)</label>
      <input
        id="team-identity"
        aria-describedby="team-identity-help"
        value={identity}
        onInput={(event) => {
          setIdentity(event.currentTarget.value);
        }}
      />
      <p id="team-identity-help" class="muted hint">
        The phone number or chat handle your contacts write to.
      </p>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" disabled={busy}>
        {busy ? "Creating…" : "Create the team"}
      </button>
    </form>
  );
}
