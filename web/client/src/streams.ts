/**
 * Per-team stream positions and the resume rules of PROTOCOL.md section 9,
 * apart from socket I/O.
 *
 * Invariants: a team's position only moves forward within an epoch; an
 * event at or before the position is never applied twice; a partial replay
 * (`live: false`) is continued from `{epoch, offset}` of its reply once its
 * `replayed` events have arrived.
 */
import type { Id, Position, Subscribed } from "./protocol.js";

/** What to do after a `subscribed` reply or an event. */
export interface StreamStep {
  /** Subscribe again from this position (a partial replay continues). */
  resubscribe?: Position;
  /** The team's cached state is stale: reload it (`epoch_changed`, `offset_ahead`). */
  reset?: boolean;
}

class TeamStream {
  position: Position | null = null;
  epoch: Id | null = null;
  /** Replayed events still to arrive before a partial replay continues. */
  awaiting = 0;
  continueFrom: Position | null = null;
}

export class Streams {
  private readonly teams = new Map<Id, TeamStream>();

  /** Starts tracking a team, from a stored position if the caller has one. */
  track(team: Id, position: Position | null = null): void {
    if (!this.teams.has(team)) {
      const stream = new TeamStream();
      stream.position = position;
      this.teams.set(team, stream);
    }
  }

  untrack(team: Id): void {
    this.teams.delete(team);
  }

  has(team: Id): boolean {
    return this.teams.has(team);
  }

  tracked(): Id[] {
    return [...this.teams.keys()];
  }

  position(team: Id): Position | null {
    return this.teams.get(team)?.position ?? null;
  }

  /** The `after` of the next subscribe of a team (also after a reconnect). */
  subscribeAfter(team: Id): Position | null {
    const stream = this.teams.get(team);
    if (stream === undefined) return null;
    stream.awaiting = 0;
    stream.continueFrom = null;
    return stream.position;
  }

  subscribed(reply: Subscribed): StreamStep {
    const stream = this.teams.get(reply.team);
    if (stream === undefined) return {};
    const step: StreamStep = {};
    if (reply.resume === "epoch_changed" || reply.resume === "offset_ahead") step.reset = true;
    if (reply.resume !== "recovered") {
      stream.position = { epoch: reply.epoch, offset: reply.offset };
    }
    stream.epoch = reply.epoch;
    if (reply.live) {
      stream.awaiting = 0;
      stream.continueFrom = null;
    } else {
      const from = { epoch: reply.epoch, offset: reply.offset };
      if (reply.replayed === 0) return { ...step, resubscribe: from };
      stream.awaiting = reply.replayed;
      stream.continueFrom = from;
    }
    return step;
  }

  /**
   * An event arrived. `apply` says whether it is new (to be applied); the
   * position moves past it either way.
   */
  event(team: Id, offset: Id): { apply: boolean } & StreamStep {
    const stream = this.teams.get(team);
    if (stream === undefined) return { apply: false };
    const epoch = stream.epoch ?? stream.position?.epoch ?? 0;
    const apply = stream.position === null || offset > stream.position.offset;
    if (apply) stream.position = { epoch, offset };
    const result: { apply: boolean } & StreamStep = { apply };
    if (stream.awaiting > 0) {
      stream.awaiting -= 1;
      if (stream.awaiting === 0 && stream.continueFrom !== null) {
        result.resubscribe = stream.continueFrom;
        stream.continueFrom = null;
      }
    }
    return result;
  }
}
