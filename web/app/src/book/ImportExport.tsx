// Import and export (Members and Managers): the export downloads, and a
// CSV import in steps: choose a file, map each column (prefilled from the
// team's saved mapping, else guessed from the header's words), a dry run
// reporting what would happen, then the run with a progress bar fed by
// `import_progress` events, and its summary with the rejected lines.
//
// Invariants: nothing is imported before the dry run's report was shown
// and the run asked for; the run's progress and summary are the server's
// (events, then the job's status), never guessed here.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Id, ImportProgress } from "switchboard-client";
import { listenTeam, live } from "../live/connection";
import { reason } from "../pages/errors";
import type { PageProps } from "../pages/registry";
import { useContactFields } from "./fields";
import {
  dataLines,
  exportPaths,
  headerOf,
  importStatus,
  saveMapping,
  waitForJob,
  savedMapping,
  sendImport,
  type ImportReport,
  type Mapping,
} from "./imports";
import { ImportMapping, guessMapping } from "./ImportMapping";
import { ImportLog } from "./ImportLog";
import { Counts, Rejects } from "./ImportReport";
import "./book.css";

/** How long without progress events before the job's status is asked, in ms. */
const QUIET_MS = 3000;

export function ImportExport({ team }: PageProps) {
  // Bumped when an import or a dry run ends here: the record shows it.
  const [runs, setRuns] = useState(0);
  if (team === null) return null;
  const paths = exportPaths(team.id);
  const bump = () => {
    setRuns((n) => n + 1);
  };
  return (
    <div class="book">
      <section class="book-panel" aria-labelledby="export-title">
        <h2 id="export-title">Export</h2>
        <p class="muted">
          Contacts as CSV (the columns an import takes), conversations with
          their messages as JSON lines.
        </p>
        <div class="actions">
          <a class="button" href={paths.contacts} download>
            Export contacts (CSV)
          </a>
          <a class="button" href={paths.conversations} download>
            Export conversations (JSON lines)
          </a>
        </div>
      </section>
      <Import key={team.id} team={team.id} onRun={bump} />
      {team.role === "manager" && (
        <ImportLog
          key={`log-${String(team.id)}`}
          team={team.id}
          version={runs}
        />
      )}
    </div>
  );
}

type Step =
  | { kind: "choose" }
  | { kind: "map"; file: File; headers: string[]; mapping: Mapping }
  | { kind: "checking" }
  | { kind: "report"; file: File; report: ImportReport }
  | {
      kind: "running";
      job: Id | null;
      total: number;
      progress: ImportProgress | null;
    }
  | { kind: "summary"; report: ImportReport };

function Import({ team, onRun }: { team: Id; onRun: () => void }) {
  const fields = useContactFields(team);
  const [step, setStep] = useState<Step>({ kind: "choose" });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  /** The latest progress of each job, kept from before its id is known. */
  const progress = useRef(new Map<Id, ImportProgress>());
  const stepRef = useRef(step);
  stepRef.current = step;
  /** When the last progress event came (ms), to notice when they stop. */
  const lastNews = useRef(0);
  /** Set once the screen is gone: a job followed no longer is. */
  const left = useRef(false);
  useEffect(
    () => () => {
      left.current = true;
    },
    [],
  );

  useLayoutEffect(() => {
    heading.current?.focus();
  }, [step.kind]);

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind !== "event") return;
        const event = news.frame.event;
        if (event.type !== "import_progress") return;
        progress.current.set(event.job, event);
        lastNews.current = Date.now();
        const now = stepRef.current;
        if (now.kind === "running" && now.job === event.job)
          setStep({ ...now, progress: event });
      }),
    [team],
  );

  // The run's end: its summary, with the rejected lines, from the server.
  const finished =
    step.kind === "running" && step.job !== null && step.progress?.done === true
      ? step.job
      : null;
  useEffect(() => {
    if (finished === null) return;
    importStatus(team, finished)
      .then((report) => {
        setStep({ kind: "summary", report });
        onRun();
      })
      .catch((failure: unknown) => {
        setError(reason(failure));
      });
  }, [finished]);

  // The events tell the run's end; should they stop coming (a reconnect
  // that skipped them), the job's status does.
  const running = step.kind === "running" ? step.job : null;
  useEffect(() => {
    if (running === null) return;
    const timer = setInterval(() => {
      if (Date.now() - lastNews.current < QUIET_MS) return;
      importStatus(team, running)
        .then((report) => {
          const now = stepRef.current;
          if (report.done && now.kind === "running" && now.job === running) {
            setStep({ kind: "summary", report });
            onRun();
          }
        })
        .catch(() => undefined);
    }, QUIET_MS);
    return () => {
      clearInterval(timer);
    };
  }, [running]);

  async function choose(file: File) {
    setError(null);
    setBusy(true);
    try {
      const headers = headerOf(await file.slice(0, 64 * 1024).text());
      const saved = await savedMapping(team);
      // The team's fields as they are now: the page's own copy may not
      // have arrived yet when a file is chosen at once.
      const current = await live()
        .request({ type: "contact_fields", team })
        .then((reply) => reply.fields)
        .catch(() => fields);
      setStep({
        kind: "map",
        file,
        headers,
        mapping: guessMapping(headers, saved, current),
      });
    } catch (failure) {
      setError(reason(failure));
    } finally {
      setBusy(false);
    }
  }

  async function dryRun(file: File, mapping: Mapping) {
    setError(null);
    setBusy(true);
    try {
      await saveMapping(team, mapping);
      const started = await sendImport(team, file, true);
      setStep({ kind: "checking" });
      const report = await waitForJob(team, started.job, () => left.current);
      if (report.failure !== null) throw new Error(report.failure);
      setStep({ kind: "report", file, report });
      onRun();
    } catch (failure) {
      setError(reason(failure));
      if (stepRef.current.kind === "checking") setStep({ kind: "choose" });
    } finally {
      setBusy(false);
    }
  }

  async function run(file: File) {
    setError(null);
    setBusy(true);
    try {
      const total = await dataLines(file);
      lastNews.current = Date.now();
      setStep({ kind: "running", job: null, total, progress: null });
      const started = await sendImport(team, file, false);
      const known = progress.current.get(started.job) ?? null;
      setStep({
        kind: "running",
        job: started.job,
        total,
        progress: known ?? started,
      });
    } catch (failure) {
      setError(reason(failure));
      setStep({ kind: "choose" });
    } finally {
      setBusy(false);
    }
  }

  return (
    <section class="book-panel" aria-labelledby="import-title">
      <h2 id="import-title" ref={heading} tabIndex={-1}>
        Import contacts
      </h2>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {step.kind === "choose" && (
        <div class="field">
          <label for="import-file">CSV file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            disabled={busy}
            onChange={(e) => {
              const file = e.currentTarget.files?.[0];
              if (file !== undefined) void choose(file);
            }}
          />
          <p class="muted hint">
            The first line names the columns; you map each one next.
          </p>
        </div>
      )}
      {step.kind === "map" && (
        <ImportMapping
          headers={step.headers}
          mapping={step.mapping}
          fields={fields}
          busy={busy}
          onChange={(mapping) => {
            setStep({ ...step, mapping });
          }}
          onDryRun={() => void dryRun(step.file, step.mapping)}
          onCancel={() => {
            setStep({ kind: "choose" });
          }}
        />
      )}
      {step.kind === "checking" && (
        <p class="muted" role="status" data-testid="import-checking">
          Checking the file: nothing is imported yet…
        </p>
      )}
      {step.kind === "report" && (
        <div data-testid="import-report">
          <h3>Dry run: what the import would do</h3>
          <Counts report={step.report} would />
          <Rejects rejects={step.report.rejects} />
          <div class="actions">
            <button
              type="button"
              disabled={busy}
              onClick={() => void run(step.file)}
            >
              Run the import
            </button>
            <button
              type="button"
              class="secondary"
              onClick={() => {
                setStep({ kind: "choose" });
              }}
            >
              Cancel
            </button>
          </div>
        </div>
      )}
      {step.kind === "running" && (
        <div class="import-progress" data-testid="import-progress">
          <label for="import-bar">Importing…</label>
          <progress
            id="import-bar"
            max={Math.max(step.total, 1)}
            value={Math.min(step.progress?.lines ?? 0, step.total)}
          />
          <p class="muted" role="status">
            {`${String(step.progress?.lines ?? 0)} of ${String(step.total)} lines`}
          </p>
        </div>
      )}
      {step.kind === "summary" && (
        <div data-testid="import-summary">
          <h3>Import finished</h3>
          {step.report.failure !== null && (
            <p class="error" role="alert">
              The import stopped: {step.report.failure}
            </p>
          )}
          <Counts report={step.report} would={false} />
          <Rejects rejects={step.report.rejects} />
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setStep({ kind: "choose" });
            }}
          >
            Import another file
          </button>
        </div>
      )}
    </section>
  );
}
