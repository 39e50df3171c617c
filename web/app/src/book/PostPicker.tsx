// The composer's post picker: a button opening a searchable list of the
// team's open posts (a modal dialog: the page behind is inert, Escape
// closes, the focus goes back to the button); choosing one attaches it
// to the message being written, shown above the composer until sent or
// removed.
//
// Invariant: the list is the server's open posts (`posts`, status open),
// narrowed here by the words typed; nothing is sent by choosing alone.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id, PostInfo } from "switchboard-client";
import { Modal } from "../keys/Modal";
import { live } from "../live/connection";
import { reason } from "../pages/errors";
import "./book.css";

/** Open posts read for the picker: the most a team is expected to have open. */
const LIMIT = 200;

interface Props {
  team: Id;
  attached: PostInfo | null;
  onAttach: (post: PostInfo | null) => void;
}

export function PostPicker({ team, attached, onAttach }: Props) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);

  function close() {
    setOpen(false);
    requestAnimationFrame(() => button.current?.focus());
  }

  return (
    <>
      {attached !== null && (
        <p class="attached-post" data-testid="attached-post">
          <span>
            Post: <strong>{attached.title}</strong>
          </span>
          <button
            type="button"
            class="secondary"
            aria-label={`Remove the post ${attached.title}`}
            onClick={() => {
              onAttach(null);
            }}
          >
            Remove
          </button>
        </p>
      )}
      <button
        type="button"
        class="secondary"
        ref={button}
        aria-haspopup="dialog"
        onClick={() => {
          setOpen(true);
        }}
      >
        Attach post
      </button>
      {open && (
        <PickerDialog
          team={team}
          onClose={close}
          onChoose={(post) => {
            onAttach(post);
            setOpen(false);
            requestAnimationFrame(() =>
              document.getElementById("composer-body")?.focus(),
            );
          }}
        />
      )}
    </>
  );
}

function PickerDialog({
  team,
  onClose,
  onChoose,
}: {
  team: Id;
  onClose: () => void;
  onChoose: (post: PostInfo) => void;
}) {
  const [posts, setPosts] = useState<PostInfo[] | null>(null);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    live()
      .request({ type: "posts", team, status: "open", limit: LIMIT })
      .then((reply) => {
        if (current) setPosts(reply.posts);
      })
      .catch((failure: unknown) => {
        if (current) setError(reason(failure));
      });
    return () => {
      current = false;
    };
  }, [team]);

  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (posts ?? []).filter((p) => {
    const hay = `${p.title} ${p.location ?? ""}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
  return (
    <Modal labelledBy="picker-title" class="post-picker" onDismiss={onClose}>
      <h2 id="picker-title">Attach a job post</h2>
      <label for="post-search">Search open posts</label>
      <input
        id="post-search"
        type="search"
        value={text}
        autoFocus
        onInput={(e) => {
          setText(e.currentTarget.value);
        }}
      />
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {posts === null
          ? "Loading…"
          : shown.length === 0
            ? "No open post matches."
            : ""}
      </p>
      <ul class="book-list" aria-label="Open posts">
        {shown.map((post) => (
          <li key={post.id} class="book-row">
            <button
              type="button"
              class="secondary"
              onClick={() => {
                onChoose(post);
              }}
            >
              {post.title}
            </button>
            {post.location !== null && (
              <span class="muted">{post.location}</span>
            )}
          </li>
        ))}
      </ul>
      <div class="actions">
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
