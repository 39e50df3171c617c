// Adding a member by email (a Manager's): an address already registered
// joins at once; an unknown one gets an account and an invitation mail
// (the reply's `invited`), which the page says. Each submission carries
// an idempotency key of its own, so a retry after a lost reply (the
// client resends keyed requests on reconnect) never mails twice.
import { useState } from "preact/hooks";
import type { ReplyFor, Role } from "switchboard-client";
import { live } from "../live/connection";
import { fieldError, type FieldError } from "./errors";

interface Props {
  team: number;
  /** Called with the server's answer once the member is in. */
  onAdded: (added: MemberAdded) => void;
}

/** The answer to `add_member`. */
export type MemberAdded = ReplyFor<"add_member">;

const FIELDS = { email: /email address/, name: /^name / };

export function AddMember({ team, onAdded }: Props) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("member");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<FieldError | null>(null);

  function add(event: Event) {
    event.preventDefault();
    if (email.trim() === "") {
      setError({ field: "email", message: "an email address is needed" });
      return;
    }
    setBusy(true);
    setError(null);
    live()
      .request({
        type: "add_member",
        team,
        email: email.trim(),
        role,
        name: name.trim() === "" ? null : name.trim(),
        key: newKey(),
      })
      .then((added) => {
        setEmail("");
        setName("");
        setRole("member");
        onAdded(added);
      })
      .catch((failure: unknown) => {
        setError(fieldError(failure, FIELDS));
      })
      .finally(() => {
        setBusy(false);
      });
  }

  const invalid = (field: string) => error?.field === field;
  return (
    <form
      class="member-add"
      aria-labelledby="add-member-title"
      onSubmit={add}
      noValidate
    >
      <h2 id="add-member-title" class="label">
        Add a member
      </h2>
      <div class="field">
        <label for="member-email">Email</label>
        <input
          id="member-email"
          type="email"
          autoComplete="off"
          value={email}
          aria-invalid={invalid("email")}
          aria-describedby={invalid("email") ? "member-email-error" : undefined}
          onInput={(e) => {
            setEmail(e.currentTarget.value);
          }}
        />
        {invalid("email") && (
          <p class="error" id="member-email-error" role="alert">
            {error?.message}
          </p>
        )}
      </div>
      <div class="field">
        <label for="member-name">Name (for a new user)</label>
        <input
          id="member-name"
          autoComplete="off"
          value={name}
          aria-invalid={invalid("name")}
          aria-describedby={invalid("name") ? "member-name-error" : undefined}
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
        {invalid("name") && (
          <p class="error" id="member-name-error" role="alert">
            {error?.message}
          </p>
        )}
      </div>
      <div class="field">
        <label for="member-role">Role</label>
        <select
          id="member-role"
          value={role}
          onChange={(e) => {
            setRole(e.currentTarget.value === "manager" ? "manager" : "member");
          }}
        >
          <option value="member">Member</option>
          <option value="manager">Manager</option>
        </select>
      </div>
      <div class="actions">
        <button type="submit" disabled={busy}>
          Add member
        </button>
      </div>
      {error !== null && error.field === null && (
        <p class="error" role="alert">
          {error.message}
        </p>
      )}
    </form>
  );
}

/** A fresh idempotency key (getRandomValues works on plain http too). */
function newKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
