// The help overlay (`?`): every keyboard shortcut of the app, read from
// the keymap table, so what it lists is what the keys do.
import { COMPOSER_KEYS, KEYMAP, PALETTE_KEYS } from "./keymap";
import { Modal } from "./Modal";

interface Entry {
  keys: string[][];
  description: string;
}

export function HelpOverlay({ onDismiss }: { onDismiss: () => void }) {
  return (
    <Modal labelledBy="help-title" class="help-overlay" onDismiss={onDismiss}>
      <h2 id="help-title">Keyboard shortcuts</h2>
      <Section title="Anywhere in the inbox" entries={KEYMAP} />
      <Section title="In the message box" entries={COMPOSER_KEYS} />
      <Section title="In the command palette" entries={PALETTE_KEYS} />
      <p class="muted hint">
        Single letters (j, k, ?) work outside text fields: press Esc to leave
        the message box first.
      </p>
      <button type="button" onClick={onDismiss}>
        Close
      </button>
    </Modal>
  );
}

function Section({ title, entries }: { title: string; entries: Entry[] }) {
  return (
    <section aria-label={title}>
      <h3>{title}</h3>
      <dl>
        {entries.map((entry) => (
          <div key={entry.description}>
            <dt>
              {entry.keys.map((chord, i) => (
                <span key={chord.join("+")}>
                  {i > 0 && " or "}
                  {chord.map((key, j) => (
                    <span key={key}>
                      {j > 0 && "+"}
                      <kbd>{key}</kbd>
                    </span>
                  ))}
                </span>
              ))}
            </dt>
            <dd>{entry.description}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}
