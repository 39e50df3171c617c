// A blast's progress as a bar and in words: how many of its recipients
// are done (sent, skipped, failed) of all, its status, its replies. The
// bar is the platform's <progress>, named by the blast, so a screen
// reader reads the figure; the words under it say the same for the eye.
import { share, type BlastInfo } from "switchboard-client";

export const STATUS: Record<BlastInfo["status"], string> = {
  running: "Sending",
  paused: "Paused",
  cancelled: "Cancelled",
  finished: "Finished",
};

export function BlastBar({ blast }: { blast: BlastInfo }) {
  const done = blast.sent + blast.skipped + blast.failed;
  return (
    <div class="blast-bar" data-testid="blast-progress">
      <progress
        max={100}
        value={Math.round(share(blast) * 100)}
        aria-label={`Progress of ${blast.name}`}
      />
      <span class="muted">
        <span data-testid="blast-status">{STATUS[blast.status]}</span> ·{" "}
        <span data-testid="blast-done">
          {done} of {blast.total}
        </span>{" "}
        done · {blast.sent} sent
        {blast.skipped > 0 && ` · ${String(blast.skipped)} skipped`}
        {blast.failed > 0 && ` · ${String(blast.failed)} failed`} ·{" "}
        {blast.replies} {blast.replies === 1 ? "reply" : "replies"}
      </span>
    </div>
  );
}
