// What a blast would do, before it is sent: how many contacts it reaches,
// how many of its audience opted out (skipped), and up to three messages
// as those contacts will read them. A polite live region, so a screen
// reader hears the count change as the audience does.
import type { BlastPreview } from "switchboard-client";

interface Props {
  /** A preview is on its way (the template is complete). */
  waiting: boolean;
  preview: BlastPreview | null;
  problem: string | null;
}

export function PreviewPanel({ waiting, preview, problem }: Props) {
  // The count holds the opted-out contacts too: they are skipped.
  const reached =
    preview === null ? 0 : Math.max(0, preview.count - preview.opted_out);
  return (
    <section
      class="blast-preview"
      aria-labelledby="preview-title"
      aria-live="polite"
      aria-busy={waiting}
      data-testid="blast-preview"
    >
      <h3 id="preview-title">Preview</h3>
      {problem !== null ? (
        <p class="error">{problem}</p>
      ) : preview === null ? (
        <p class="muted">
          {waiting
            ? "Counting the audience…"
            : "Write the message to see who it reaches and how it reads."}
        </p>
      ) : (
        <>
          <p data-testid="preview-count">
            <strong>{reached}</strong> {reached === 1 ? "contact" : "contacts"}{" "}
            will get it
            {preview.opted_out > 0 &&
              ` · ${String(preview.opted_out)} opted out (skipped)`}
          </p>
          {preview.samples.length > 0 && (
            <ol class="samples" aria-label="Sample messages">
              {preview.samples.map((sample) => (
                <li key={sample.contact} data-testid="preview-sample">
                  <span class="sample-to">To {sample.name}</span>
                  <span class="sample-body">{sample.body}</span>
                </li>
              ))}
            </ol>
          )}
        </>
      )}
    </section>
  );
}
