// "Merge with…": a modal dialog (keys/Modal: the page behind is inert,
// Tab wraps inside, Escape closes) to pick another contact by search,
// then confirm. The other contact's phones, emails, tags, fields, notes
// and conversations go into this one, and the other is deleted.
//
// Invariant: nothing is merged before the confirmation; a refusal shows
// inside the dialog, which stays open. The owner puts the focus back.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { ContactCard, Id } from "switchboard-client";
import { live } from "../live/connection";
import { Modal } from "../keys/Modal";
import { reason } from "../pages/errors";
import { randomKey } from "./keys";

const DEBOUNCE_MS = 250;

interface Props {
  team: Id;
  /** The contact kept. */
  into: ContactCard;
  /** What the search starts from (the phone an edit was refused for). */
  search?: string;
  onClose: () => void;
  onMerged: (into: ContactCard) => void;
}

export function MergeDialog({
  team,
  into,
  search = "",
  onClose,
  onMerged,
}: Props) {
  const [text, setText] = useState(search);
  const [found, setFound] = useState<ContactCard[]>([]);
  const [chosen, setChosen] = useState<ContactCard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const searchInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (text.trim() === "") {
      setFound([]);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      live()
        .request({
          type: "contacts",
          team,
          query: { text: text.trim(), limit: 20 },
        })
        .then((reply) => {
          if (current) setFound(reply.contacts.filter((c) => c.id !== into.id));
        })
        .catch((failure: unknown) => {
          if (current) setError(reason(failure));
        });
    }, DEBOUNCE_MS);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [team, text, into.id]);

  useLayoutEffect(() => {
    if (chosen !== null) confirmButton.current?.focus();
    else searchInput.current?.focus();
  }, [chosen]);

  function merge() {
    if (chosen === null) return;
    setBusy(true);
    live()
      .request({
        type: "merge_contacts",
        team,
        into: into.id,
        from: chosen.id,
        key: randomKey(),
      })
      .then((reply) => {
        onMerged(reply.contact);
        onClose();
      })
      .catch((failure: unknown) => {
        setBusy(false);
        setError(reason(failure));
      });
  }

  return (
    <Modal labelledBy="merge-title" class="merge-dialog" onDismiss={onClose}>
      <h2 id="merge-title">Merge with another contact</h2>
      {chosen === null ? (
        <>
          <label for="merge-search">Find the other contact</label>
          <input
            id="merge-search"
            ref={searchInput}
            type="search"
            value={text}
            placeholder="Name, phone or email"
            onInput={(e) => {
              setText(e.currentTarget.value);
            }}
          />
          <ul class="book-list" aria-label="Contacts to merge">
            {found.map((c) => (
              <li key={c.id} class="book-row">
                <button
                  type="button"
                  class="secondary"
                  onClick={() => {
                    setChosen(c);
                  }}
                >
                  {c.name}
                </button>
                <span class="muted">
                  {[...c.phones, ...c.emails].join(" · ")}
                </span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p id="merge-detail">
          Merge <strong>{chosen.name}</strong> into <strong>{into.name}</strong>
          ? Its phones, emails, tags, fields, notes and conversations move to{" "}
          {into.name}, and {chosen.name} is deleted.
        </p>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        {chosen !== null && (
          <>
            <button
              type="button"
              ref={confirmButton}
              disabled={busy}
              onClick={merge}
            >
              Merge
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setChosen(null);
              }}
            >
              Back
            </button>
          </>
        )}
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
