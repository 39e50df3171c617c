// The HTTP half of import and export (PROTOCOL.md, "Import and export"):
// the team's saved column mapping, a CSV sent for a dry run or a run, an
// import's status with its rejected rows, and the export addresses. The
// session's cookie authenticates every call (same origin), as api.ts's.
//
// Reading a CSV's header happens here too, from the file's first bytes:
// the file itself is streamed to the server as it is, never parsed whole.
import type { Id } from "switchboard-client";
import { ApiError } from "../api";

/** Where a CSV column goes: a contact's member, a custom field, or nowhere. */
export type Target =
  | "name"
  | "phone"
  | "email"
  | "tag"
  | "tags"
  | "notes"
  | "ignore"
  | `field:${string}`;

/** The team's mapping: CSV header -> target. */
export interface Mapping {
  columns: Record<string, Target>;
}

/** A row the import refused, with its line in the file (1: the header). */
export interface Rejected {
  line: number;
  reason: string;
}

/** What a dry run would do, or what a run did so far. */
export interface ImportReport {
  job: Id;
  lines: number;
  created: number;
  merged: number;
  rejected: number;
  done: boolean;
  /** Why the job failed, if it did. */
  failure: string | null;
  rejects: Rejected[];
}

const base = (team: Id) => `/api/teams/${String(team)}`;

/** The export downloads' addresses. */
export const exportPaths = (team: Id) => ({
  contacts: `${base(team)}/export/contacts.csv`,
  conversations: `${base(team)}/export/conversations.jsonl`,
});

/** The team's saved mapping (empty when none was saved). */
export async function savedMapping(team: Id): Promise<Mapping> {
  const saved = await call<Partial<Mapping> | null>(
    "GET",
    `${base(team)}/import-mapping`,
  );
  return { columns: saved?.columns ?? {} };
}

/** Saves the team's mapping, for this import and the next ones. */
export async function saveMapping(team: Id, mapping: Mapping): Promise<void> {
  await call<unknown>("PUT", `${base(team)}/import-mapping`, {
    body: JSON.stringify(mapping),
    type: "application/json",
  });
}

/**
 * Sends the CSV with the saved mapping: a dry run (nothing changes, the
 * report says what would) or the run. Either is answered once the file
 * is spooled, with the job (`waitForJob` follows it to its end).
 */
export async function sendImport(
  team: Id,
  file: Blob,
  dryRun: boolean,
): Promise<ImportReport> {
  const query = dryRun ? "?dry_run=1&mapping=saved" : "?mapping=saved";
  const raw = await call<Record<string, unknown>>(
    "POST",
    `${base(team)}/imports${query}`,
    { body: file, type: "text/csv" },
  );
  return reportOf(raw);
}

/** How often a job is asked after, at first and at most, in ms. */
const POLL_FIRST_MS = 200;
const POLL_MAX_MS = 2000;

/**
 * The job's report once it is no longer running, asking after it with a
 * growing pause; rejects when `stopped()` says the screen is gone.
 */
export async function waitForJob(
  team: Id,
  job: Id,
  stopped: () => boolean,
): Promise<ImportReport> {
  let pause = POLL_FIRST_MS;
  for (;;) {
    const report = await importStatus(team, job);
    if (report.done) return report;
    await new Promise((done) => setTimeout(done, pause));
    if (stopped()) throw new Error("the import's page was left");
    pause = Math.min(pause * 2, POLL_MAX_MS);
  }
}

/** An import's status and its rejected rows. */
export async function importStatus(team: Id, job: Id): Promise<ImportReport> {
  const raw = await call<Record<string, unknown>>(
    "GET",
    `${base(team)}/imports/${String(job)}`,
  );
  return reportOf(raw);
}

/**
 * A report from the server's answer: `{job, rejected, next}`, where `job`
 * is the transfer (its `id`, and its `import` counts) and `rejected` the
 * first page of refused rows.
 */
export function reportOf(raw: Record<string, unknown>): ImportReport {
  const job = record(raw.job);
  const counts = record(job.import);
  const num = (value: unknown) => (typeof value === "number" ? value : 0);
  const rows = Array.isArray(raw.rejected) ? (raw.rejected as unknown[]) : [];
  return {
    job: num(job.id),
    lines: num(counts.lines),
    created: num(counts.created),
    merged: num(counts.merged),
    rejected: num(counts.rejected),
    // Finished: done, or failed (`failure` says why).
    done:
      counts.done === true ||
      (job.status !== undefined && job.status !== "running"),
    failure: typeof job.failure === "string" ? job.failure : null,
    rejects: rows.flatMap((row) => {
      const r = record(row);
      return typeof r.line === "number"
        ? [
            {
              line: r.line,
              reason: typeof r.reason === "string" ? r.reason : "",
            },
          ]
        : [];
    }),
  };
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null
    ? (value as Record<string, unknown>)
    : {};
}

/** One import or export of the team, as its record shows it. */
export interface Transfer {
  id: Id;
  kind: string;
  status: string;
  by_name: string;
  at: number;
  count: number;
  failure: string | null;
  dry_run: boolean;
}

/** The team's latest imports and exports, newest first (Managers). */
export async function transfers(team: Id): Promise<Transfer[]> {
  const raw = await call<{ transfers?: unknown[] } | null>(
    "GET",
    `${base(team)}/imports?limit=20`,
  );
  return (raw?.transfers ?? []).map((item) => {
    const r = record(item);
    const text = (value: unknown) => (typeof value === "string" ? value : "");
    return {
      id: typeof r.id === "number" ? r.id : 0,
      kind: text(r.kind),
      status: text(r.status),
      by_name: text(r.by_name),
      at: typeof r.at === "number" ? r.at : 0,
      count: typeof r.count === "number" ? r.count : 0,
      failure: typeof r.failure === "string" ? r.failure : null,
      dry_run: record(r.import).dry_run === true,
    };
  });
}

/** The cells of a CSV's first record (its header), quotes undone. */
export function headerOf(text: string): string[] {
  const cells: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charAt(i);
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      cells.push(cell.trim());
      cell = "";
    } else if (c === "\n" || c === "\r") break;
    else cell += c;
  }
  cells.push(cell.trim());
  return cells.map((h) => h.replace(/^\uFEFF/, ""));
}

/** How many data lines a CSV holds (its newlines, less the header's). */
export async function dataLines(file: Blob): Promise<number> {
  const reader = file.stream().getReader();
  let newlines = 0;
  let last = 10;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    for (const byte of value) if (byte === 10) newlines++;
    last = value.at(-1) ?? last;
  }
  // A last line without its newline counts too.
  return Math.max(0, newlines - 1 + (last === 10 ? 0 : 1));
}

async function call<T>(
  method: "GET" | "PUT" | "POST",
  path: string,
  send?: { body: BodyInit; type: string },
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (send !== undefined) headers["Content-Type"] = send.type;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: "same-origin",
      body: send?.body ?? null,
    });
  } catch {
    throw new ApiError(0, "unreachable", "The server cannot be reached.");
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text === "" ? null : (JSON.parse(text) as unknown);
  } catch {
    parsed = null;
  }
  if (response.ok) return parsed as T;
  const error =
    typeof parsed === "object" && parsed !== null && "error" in parsed
      ? (parsed as { error: { code?: unknown; message?: unknown } }).error
      : {};
  throw new ApiError(
    response.status,
    typeof error.code === "string"
      ? error.code
      : `http_${String(response.status)}`,
    typeof error.message === "string"
      ? error.message
      : `The server answered ${String(response.status)}.`,
  );
}
