// A team's blasts as the screens show them: the list read with `blasts`,
// kept current by `blast_progress` events, read again after a gap or a
// reconnect. One blast's page reads its detail again while it moves, at
// most once a second, so a fast blast does not flood the connection.
//
// Invariant: a list is shown only under the team it was read for, and an
// event never moves a blast's counts back (channel-state's `progressed`).
import { useEffect, useRef, useState } from "preact/hooks";
import {
  withBlast,
  type BlastInfo,
  type BlastRecipient,
  type Id,
} from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { reasonOf } from "../pages/admin/common";

/** How often an open blast's recipients are read again while it moves. */
const DETAIL_EVERY_MS = 1000;

export interface BlastList {
  /** Newest first; null until read. */
  list: BlastInfo[] | null;
  problem: string | null;
  /** A blast this screen changed (created, paused…), into the list. */
  put: (blast: BlastInfo) => void;
}

export function useBlastList(team: Id): BlastList {
  const [held, setHeld] = useState<{ team: Id; list: BlastInfo[] } | null>(
    null,
  );
  const [problem, setProblem] = useState<string | null>(null);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind === "reset") setStale((n) => n + 1);
        else if (
          news.kind === "event" &&
          news.frame.event.type === "blast_progress"
        ) {
          // The event is the blast (its `type` besides is harmless).
          const blast = news.frame.event;
          setHeld((current) =>
            current?.team === team
              ? { team, list: withBlast(current.list, blast) }
              : current,
          );
        }
      }),
    [team],
  );

  useEffect(() => {
    if (!connected) return;
    let current = true;
    live()
      .request({ type: "blasts", team })
      .then((reply) => {
        if (!current) return;
        const newest = [...reply.blasts].sort((a, b) => b.id - a.id);
        setHeld({ team, list: newest });
        setProblem(null);
      })
      .catch((failure: unknown) => {
        if (current) setProblem(reasonOf(failure));
      });
    return () => {
      current = false;
    };
  }, [team, connected, stale]);

  return {
    list: held?.team === team ? held.list : null,
    problem,
    put: (blast) => {
      setHeld((current) =>
        current?.team === team
          ? { team, list: withBlast(current.list, blast) }
          : { team, list: [blast] },
      );
    },
  };
}

export interface BlastDetail {
  recipients: BlastRecipient[] | null;
  /** The blast as its detail last answered (null until then). */
  info: BlastInfo | null;
  problem: string | null;
}

/**
 * One blast's recipients, read on open and again (throttled) whenever
 * `moved` changes: the list's copy of the blast, which events update.
 */
export function useBlastDetail(
  team: Id,
  blast: Id,
  moved: BlastInfo | null,
): BlastDetail {
  const [detail, setDetail] = useState<{
    blast: Id;
    info: BlastInfo;
    recipients: BlastRecipient[];
  } | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [asked, setAsked] = useState(0);
  const connected = useValue(link).state === "open";
  const last = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  // A move asks again: now if the last read is old enough, else once later.
  const movedKey =
    moved === null
      ? ""
      : `${moved.status}:${String(moved.sent + moved.skipped + moved.failed)}:${String(moved.replies)}`;
  useEffect(() => {
    if (movedKey === "" || timer.current !== null) return;
    const wait = Math.max(0, last.current + DETAIL_EVERY_MS - Date.now());
    timer.current = setTimeout(() => {
      timer.current = null;
      setAsked((n) => n + 1);
    }, wait);
  }, [movedKey]);
  useEffect(
    () => () => {
      if (timer.current !== null) clearTimeout(timer.current);
    },
    [],
  );

  useEffect(() => {
    if (!connected) return;
    let current = true;
    last.current = Date.now();
    live()
      .request({ type: "blast", team, blast })
      .then((reply) => {
        if (!current) return;
        setDetail({ blast, info: reply.info, recipients: reply.recipients });
        setProblem(null);
      })
      .catch((failure: unknown) => {
        if (current) setProblem(reasonOf(failure));
      });
    return () => {
      current = false;
    };
  }, [team, blast, connected, asked]);

  const mine = detail?.blast === blast ? detail : null;
  return {
    recipients: mine?.recipients ?? null,
    info: mine?.info ?? null,
    problem,
  };
}
