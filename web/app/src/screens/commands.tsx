// The composer's command helpers: typing `^assign ` opens a picker of the
// team's members (and `me`); `^deliver ` a picker of members and the
// account's other teams, then of the team's statuses, then leaves the
// line for an optional note; `^invite ` a small window asking for an
// email and a note; `^post ` a picker of the team's open posts, leaving
// the line for the message's text. The teams offered are the account's other teams the
// user belongs to (the ones the session lists); any other is typed.
//
// Invariants: a helper only ever writes the composer's text and sends it
// as typed (the server parses typed commands), so a command typed in full
// without a helper works the same, and a refused one fails on its own
// message like any other. Escape closes a helper and leaves the text as
// it is; the helper stays closed until the text leaves that command.
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import type { Id, MemberInfo, TeamInfo } from "switchboard-client";
import { live } from "../live/connection";
import { getState } from "../store";
import { usePostOptions } from "./postOptions";

/** What the composer's text asks of a helper, if anything. */
type Stage =
  | { kind: "assign"; query: string }
  | { kind: "deliver_target"; query: string }
  | { kind: "deliver_status"; target: string; query: string }
  | { kind: "post"; query: string }
  | { kind: "invite" };

export interface Option {
  /** What goes into the command: `me`, `@handle`, `#handle`, a status. */
  value: string;
  label: string;
  detail: string;
}

const ASSIGN = /^\^\s*assign\s+(\S*)$/i;
const DELIVER_TARGET = /^\^\s*deliver\s+(\S*)$/i;
const DELIVER_STATUS = /^\^\s*deliver\s+([@#]\S+)\s+(\S*)$/i;
const DELIVER_NOTE = /^\^\s*deliver\s+([@#]\S+)\s+(\S+)\s/i;
const INVITE = /^\^\s*invite\s+$/i;
const POST = /^\^\s*post\s+(\S*)$/i;

function stageOf(draft: string): Stage | null {
  let m = ASSIGN.exec(draft);
  if (m) return { kind: "assign", query: m[1] ?? "" };
  m = DELIVER_TARGET.exec(draft);
  if (m) return { kind: "deliver_target", query: m[1] ?? "" };
  m = DELIVER_STATUS.exec(draft);
  if (m)
    return { kind: "deliver_status", target: m[1] ?? "", query: m[2] ?? "" };
  if (INVITE.test(draft)) return { kind: "invite" };
  m = POST.exec(draft);
  if (m) return { kind: "post", query: m[1] ?? "" };
  return null;
}

/** The options whose value or name starts with what is typed. */
function matching(options: Option[], query: string): Option[] {
  const q = query.toLowerCase();
  const bare = q.replace(/^[@#]/, "");
  return options.filter(
    (o) =>
      o.value.toLowerCase().startsWith(q) ||
      (bare !== "" && o.label.toLowerCase().startsWith(bare)),
  );
}

interface Props {
  team: Id;
  me: Id;
  draft: string;
  setDraft: (text: string) => void;
  send: (text: string) => void;
  composer: { current: HTMLTextAreaElement | null };
}

export interface Commands {
  /** Handles a key of the composer; true when the helper took it. */
  onKeyDown: (event: KeyboardEvent) => boolean;
  /** Attributes tying the composer to the open picker. */
  aria: Record<string, string | undefined>;
  popup: JSX.Element | null;
}

export function useCommands({
  team,
  me,
  draft,
  setDraft,
  send,
  composer,
}: Props): Commands {
  const [members, setMembers] = useState<MemberInfo[] | null>(null);
  const [dismissed, setDismissed] = useState(false);
  const [active, setActive] = useState(0);
  const stage = stageOf(draft);
  const picking = stage !== null && stage.kind !== "invite";
  const posts = usePostOptions(team, stage?.kind === "post" && !dismissed);
  const wantsMembers =
    stage?.kind === "assign" || stage?.kind === "deliver_target";

  useEffect(() => {
    if (stage === null && dismissed) setDismissed(false);
  }, [stage === null, dismissed]);

  useEffect(() => {
    setActive(0);
  }, [stage?.kind, picking ? stage.query : ""]);

  useEffect(() => {
    setMembers(null);
  }, [team]);

  useEffect(() => {
    if (!wantsMembers || members !== null) return;
    let current = true;
    live()
      .request({ type: "members", team })
      .then((reply) => {
        if (current) setMembers(reply.members);
      })
      .catch(() => {
        if (current) setMembers([]);
      });
    return () => {
      current = false;
    };
  }, [team, wantsMembers, members]);

  const teams = teamsOf();
  const thisTeam = teams.find((t) => t.id === team);
  const options =
    stage === null || dismissed
      ? []
      : stage.kind === "assign"
        ? matching(assignOptions(members ?? [], me), stage.query)
        : stage.kind === "deliver_target"
          ? matching(
              deliverOptions(members ?? [], teams, thisTeam),
              stage.query,
            )
          : stage.kind === "deliver_status"
            ? matching(statusOptions(thisTeam), stage.query)
            : stage.kind === "post"
              ? matching(posts ?? [], stage.query)
              : [];
  const open = picking && !dismissed;
  const chosen = Math.min(active, Math.max(options.length - 1, 0));

  function choose(option: Option) {
    if (stage === null) return;
    if (stage.kind === "assign") {
      send(`^assign ${option.value}`);
    } else if (stage.kind === "deliver_target") {
      setDraft(`^deliver ${option.value} `);
    } else if (stage.kind === "deliver_status") {
      if (option.value === "") send(`^deliver ${stage.target}`);
      else setDraft(`^deliver ${stage.target} ${option.value} `);
    } else if (stage.kind === "post") {
      setDraft(`^post ${option.value} `);
    }
    composer.current?.focus();
  }

  function onKeyDown(event: KeyboardEvent): boolean {
    // The invite window takes the focus once it has rendered; an Escape
    // typed before that still lands here, and must close it too.
    if (event.key === "Escape" && stage?.kind === "invite" && !dismissed) {
      setDismissed(true);
      event.preventDefault();
      return true;
    }
    if (!open) return false;
    if (event.key === "Escape") {
      setDismissed(true);
    } else if (event.key === "ArrowDown" && options.length > 0) {
      setActive((chosen + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length > 0) {
      setActive((chosen - 1 + options.length) % options.length);
    } else if (
      (event.key === "Enter" || event.key === "Tab") &&
      !event.shiftKey &&
      options[chosen] !== undefined
    ) {
      choose(options[chosen]);
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  const noting = DELIVER_NOTE.test(draft);
  let popup: JSX.Element | null = null;
  if (stage?.kind === "invite" && !dismissed) {
    popup = (
      <InviteWindow
        onCancel={() => {
          setDismissed(true);
          composer.current?.focus();
        }}
        onInvite={(email, note) => {
          send(`^invite ${email}${note === "" ? "" : ` ${note}`}`);
          composer.current?.focus();
        }}
      />
    );
  } else if (open) {
    popup = (
      <div class="command-popup" data-testid="command-picker">
        <p class="label" id="command-options-label">
          {stage.kind === "assign"
            ? "Assign to"
            : stage.kind === "deliver_target"
              ? "Deliver to"
              : stage.kind === "post"
                ? "Attach post"
                : "Status"}
        </p>
        {options.length === 0 ? (
          <p class="muted">
            {(stage.kind === "post" ? posts : members) === null &&
            stage.kind !== "deliver_status"
              ? "Loading…"
              : "Nothing matches"}
          </p>
        ) : (
          <ul
            role="listbox"
            id="command-options"
            aria-labelledby="command-options-label"
          >
            {options.map((o, i) => (
              <li
                key={o.value}
                id={`command-option-${String(i)}`}
                role="option"
                aria-selected={i === chosen}
                class={i === chosen ? "active" : undefined}
                onMouseDown={(e) => {
                  e.preventDefault();
                  choose(o);
                }}
              >
                <span>{o.label}</span> <span class="muted">{o.detail}</span>
              </li>
            ))}
          </ul>
        )}
        <p class="muted hint">↑ ↓ to move, Enter to choose, Esc to close</p>
      </div>
    );
  } else if (noting) {
    popup = (
      <p class="command-popup muted hint" role="status">
        Add a note if you like, then Enter delivers.
      </p>
    );
  }

  return {
    onKeyDown,
    aria:
      open && options.length > 0
        ? {
            "aria-controls": "command-options",
            "aria-activedescendant": `command-option-${String(chosen)}`,
          }
        : {},
    popup,
  };
}

function teamsOf(): TeamInfo[] {
  const state = getState();
  return state.kind === "signed_in" ? state.session.teams : [];
}

function assignOptions(members: MemberInfo[], me: Id): Option[] {
  return [
    { value: "me", label: "me", detail: "assign yourself" },
    ...members
      .filter((m) => m.user.id !== me)
      .map((m) => ({
        value: `@${m.user.handle}`,
        label: m.user.name,
        detail: `@${m.user.handle}`,
      })),
  ];
}

function deliverOptions(
  members: MemberInfo[],
  teams: TeamInfo[],
  thisTeam: TeamInfo | undefined,
): Option[] {
  return [
    ...members.map((m) => ({
      value: `@${m.user.handle}`,
      label: m.user.name,
      detail: `@${m.user.handle}`,
    })),
    ...teams
      .filter((t) => t.id !== thisTeam?.id && t.account === thisTeam?.account)
      .map((t) => ({
        value: `#${t.handle}`,
        label: t.name,
        detail: `#${t.handle} (team)`,
      })),
  ];
}

function statusOptions(team: TeamInfo | undefined): Option[] {
  return [
    ...(team?.statuses ?? []).map((s) => ({
      value: s,
      label: s,
      detail: "",
    })),
    { value: "", label: "No status", detail: "deliver without one" },
  ];
}

function InviteWindow({
  onCancel,
  onInvite,
}: {
  onCancel: () => void;
  onInvite: (email: string, note: string) => void;
}) {
  const [email, setEmail] = useState("");
  const [note, setNote] = useState("");
  const first = useRef<HTMLInputElement>(null);
  useLayoutEffect(() => {
    first.current?.focus();
  }, []);
  return (
    <div
      class="command-popup invite"
      role="dialog"
      aria-labelledby="invite-title"
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          onCancel();
        } else if (
          e.key === "Enter" &&
          e.target instanceof HTMLInputElement &&
          email.trim() !== ""
        ) {
          e.preventDefault();
          onInvite(email.trim(), note.trim());
        }
      }}
    >
      <h2 id="invite-title" class="label">
        Invite into this conversation
      </h2>
      <label>
        Email
        <input
          ref={first}
          type="email"
          required
          value={email}
          onInput={(e) => {
            setEmail(e.currentTarget.value);
          }}
        />
      </label>
      <label>
        Note (optional)
        <textarea
          rows={2}
          value={note}
          onInput={(e) => {
            setNote(e.currentTarget.value);
          }}
        />
      </label>
      <div class="actions">
        <button
          type="button"
          onClick={() => {
            if (email.trim() !== "") onInvite(email.trim(), note.trim());
          }}
        >
          Invite
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </div>
  );
}
