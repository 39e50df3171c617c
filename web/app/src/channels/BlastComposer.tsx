// The blast composer: a name, the audience (a tag and a custom field's
// value of the book), the template with the placeholders it may use, and
// a live preview (`preview_blast`, asked a moment after the last change:
// how many contacts it reaches, how many opted out, three messages as
// they will read). "Send now" creates the blast with one idempotency key
// per composed blast, so a double click or a resend after a reconnect
// sends it once.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import {
  unknownPlaceholders,
  type Audience,
  type BlastInfo,
  type BlastPreview,
  type Id,
} from "switchboard-client";
import { useContactFields } from "../book/fields";
import { live } from "../live/connection";
import { newKey, reasonOf } from "../pages/admin/common";
import { PreviewPanel } from "./PreviewPanel";

/** The pause after the last keystroke before a preview is asked, in ms. */
const PREVIEW_AFTER_MS = 350;

interface Props {
  team: Id;
  connected: boolean;
  onSent: (blast: BlastInfo) => void;
  onClose: () => void;
}

export function BlastComposer({ team, connected, onSent, onClose }: Props) {
  const fields = useContactFields(team);
  const [name, setName] = useState("");
  const [tag, setTag] = useState("");
  const [field, setField] = useState("");
  const [value, setValue] = useState("");
  const [template, setTemplate] = useState("");
  const [preview, setPreview] = useState<{
    asked: string;
    answer: BlastPreview | null;
    problem: string | null;
  } | null>(null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const key = useRef<string | null>(null);
  const sending = useRef(false);
  const nameField = useRef<HTMLInputElement>(null);

  useLayoutEffect(() => {
    nameField.current?.focus();
  }, []);

  const audience: Audience = {};
  if (tag.trim() !== "") audience.tag = tag.trim().toLowerCase();
  if (field !== "" && value.trim() !== "")
    audience.field = { key: field, value: value.trim() };
  const unknown = unknownPlaceholders(
    template,
    fields.map((f) => f.key),
  );
  const asking = JSON.stringify([audience, template]);
  const previewable = template.trim() !== "" && unknown.length === 0;

  // The preview follows the audience and the template; a late answer for
  // an older pair is dropped.
  useEffect(() => {
    if (!previewable || !connected) return;
    let current = true;
    const timer = setTimeout(() => {
      live()
        .request({ type: "preview_blast", team, audience, template })
        .then((answer) => {
          if (current) setPreview({ asked: asking, answer, problem: null });
        })
        .catch((failure: unknown) => {
          if (current)
            setPreview({
              asked: asking,
              answer: null,
              problem: reasonOf(failure),
            });
        });
    }, PREVIEW_AFTER_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [team, asking, previewable, connected]);

  const shown = previewable && preview?.asked === asking ? preview : null;
  const ready =
    name.trim() !== "" &&
    shown?.answer != null &&
    shown.answer.count > shown.answer.opted_out;

  function send(event: Event) {
    event.preventDefault();
    if (sending.current) return;
    if (name.trim() === "") {
      setProblem("Give the blast a name.");
      return;
    }
    if (!ready) {
      setProblem("Wait for the preview: it must reach at least one contact.");
      return;
    }
    sending.current = true;
    key.current ??= newKey();
    setBusy(true);
    setProblem(null);
    let answer: Promise<BlastInfo>;
    try {
      answer = live().request({
        type: "create_blast",
        team,
        key: key.current,
        name: name.trim(),
        audience,
        template,
      });
    } catch (failure) {
      // A full outbox throws at once: the same refusal as an answer's.
      answer = Promise.reject(
        failure instanceof Error ? failure : new Error(String(failure)),
      );
    }
    answer
      .then((reply) => {
        key.current = null;
        // The reply is the blast (its `type` besides is harmless).
        onSent(reply);
      })
      .catch((failure: unknown) => {
        // Refused: nothing was sent; the next try is a new request.
        key.current = null;
        setProblem(reasonOf(failure));
      })
      .finally(() => {
        sending.current = false;
        setBusy(false);
      });
  }

  return (
    <form
      class="blast-composer"
      aria-labelledby="composer-title"
      onSubmit={send}
      onKeyDown={(e) => {
        if (e.key === "Escape" && !busy) {
          e.preventDefault();
          onClose();
        }
      }}
    >
      <h2 id="composer-title">New blast</h2>
      <label class="stacked">
        Name
        <input
          ref={nameField}
          value={name}
          maxLength={200}
          required
          onInput={(e) => {
            setName(e.currentTarget.value);
          }}
        />
      </label>
      <fieldset class="audience">
        <legend>Audience</legend>
        <p class="muted hint">
          Contacts with this tag and this field value; leave both empty for the
          whole book.
        </p>
        <label class="stacked">
          Tag
          <input
            value={tag}
            onInput={(e) => {
              setTag(e.currentTarget.value);
            }}
          />
        </label>
        {fields.length > 0 && (
          <>
            <label class="stacked">
              Field
              <select
                value={field}
                onChange={(e) => {
                  setField(e.currentTarget.value);
                }}
              >
                <option value="">Any</option>
                {fields.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.label}
                  </option>
                ))}
              </select>
            </label>
            <label class="stacked">
              Field value
              <input
                value={value}
                disabled={field === ""}
                onInput={(e) => {
                  setValue(e.currentTarget.value);
                }}
              />
            </label>
          </>
        )}
      </fieldset>
      <label class="stacked">
        Message
        <textarea
          rows={4}
          value={template}
          aria-describedby="template-hint"
          aria-invalid={unknown.length > 0}
          onInput={(e) => {
            setTemplate(e.currentTarget.value);
          }}
        />
      </label>
      <p id="template-hint" class="muted hint">
        Placeholders: <code>{"{{first_name}}"}</code>, <code>{"{{name}}"}</code>
        {fields.map((f) => (
          <span key={f.key}>
            , <code>{`{{${f.key}}}`}</code>
          </span>
        ))}
        . A fallback after a bar is used when a contact has no value:{" "}
        <code>{"{{first_name|there}}"}</code>.
      </p>
      {unknown.length > 0 && (
        <p class="error" role="alert">
          Unknown placeholder
          {unknown.length > 1 ? "s" : ""}:{" "}
          {unknown.map((k) => `{{${k}}}`).join(", ")}
        </p>
      )}
      <PreviewPanel
        waiting={previewable && shown === null}
        preview={shown?.answer ?? null}
        problem={shown?.problem ?? null}
      />
      {problem !== null && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy || !connected || !ready}>
          {busy ? "Sending…" : "Send now"}
        </button>
        <button
          type="button"
          class="secondary"
          disabled={busy}
          onClick={onClose}
        >
          Cancel
        </button>
      </div>
    </form>
  );
}
