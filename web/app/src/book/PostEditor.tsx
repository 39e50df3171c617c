// The editor of one job post, new or existing: title, body, link,
// location and status. Save sends `create_post` or `edit_post` (only
// what changed); a refusal shows in the form and nothing typed is lost.
import { useState } from "preact/hooks";
import type { Id, PostInfo, PostPatch, PostStatus } from "switchboard-client";
import { live } from "../live/connection";
import { reason } from "../pages/errors";
import { randomKey } from "./keys";
import { postOf } from "./posts";

interface Props {
  team: Id;
  /** The post edited; null for a new one. */
  post: PostInfo | null;
  onSaved: (post: PostInfo) => void;
  onCancel: () => void;
}

interface Form {
  title: string;
  body: string;
  link: string;
  location: string;
  status: PostStatus;
}

export function PostEditor({ team, post, onSaved, onCancel }: Props) {
  const [form, setForm] = useState<Form>({
    title: post?.title ?? "",
    body: post?.body ?? "",
    link: post?.link ?? "",
    location: post?.location ?? "",
    status: post?.status ?? "open",
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function edit(change: Partial<Form>) {
    setForm((f) => ({ ...f, ...change }));
  }

  function save(event: Event) {
    event.preventDefault();
    if (form.title.trim() === "") {
      setError("A post needs a title.");
      return;
    }
    const fields = {
      title: form.title.trim(),
      body: form.body,
      link: form.link.trim() === "" ? null : form.link.trim(),
      location: form.location.trim() === "" ? null : form.location.trim(),
      status: form.status,
    };
    setBusy(true);
    setError(null);
    const request =
      post === null
        ? live().request({
            type: "create_post",
            team,
            key: randomKey(),
            post: fields,
          })
        : live().request({
            type: "edit_post",
            team,
            post: post.id,
            key: randomKey(),
            changes: changesOf(post, fields),
          });
    request
      .then((reply) => {
        onSaved(postOf(reply));
      })
      .catch((failure: unknown) => {
        setBusy(false);
        setError(reason(failure));
      });
  }

  return (
    <form
      class="book-form"
      aria-label={post === null ? "New post" : "Edit post"}
      onSubmit={save}
      noValidate
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.preventDefault();
          e.stopPropagation();
          onCancel();
        }
      }}
    >
      <div class="field">
        <label for="post-title">Title</label>
        <input
          id="post-title"
          value={form.title}
          required
          maxLength={200}
          // The editor opens on a click: typing starts here.
          autoFocus
          onInput={(e) => {
            edit({ title: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for="post-location">Location</label>
        <input
          id="post-location"
          value={form.location}
          onInput={(e) => {
            edit({ location: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for="post-link">Link</label>
        <input
          id="post-link"
          type="url"
          value={form.link}
          onInput={(e) => {
            edit({ link: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for="post-body">Description</label>
        <textarea
          id="post-body"
          rows={5}
          value={form.body}
          onInput={(e) => {
            edit({ body: e.currentTarget.value });
          }}
        />
      </div>
      <div class="field">
        <label for="post-status">Status</label>
        <select
          id="post-status"
          value={form.status}
          onChange={(e) => {
            edit({ status: e.currentTarget.value as PostStatus });
          }}
        >
          <option value="open">Open</option>
          <option value="closed">Closed</option>
        </select>
      </div>
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="actions">
        <button type="submit" disabled={busy}>
          {post === null ? "Create post" : "Save post"}
        </button>
        <button type="button" class="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

/** What differs from the post as stored. */
function changesOf(
  post: PostInfo,
  fields: Omit<
    PostInfo,
    "id" | "team" | "kind" | "created_by" | "created_at" | "updated_at"
  >,
): PostPatch {
  const patch: PostPatch = {};
  if (fields.title !== post.title) patch.title = fields.title;
  if (fields.body !== post.body) patch.body = fields.body;
  // An empty link or location clears it.
  if (fields.link !== post.link) patch.link = fields.link ?? "";
  if (fields.location !== post.location) patch.location = fields.location ?? "";
  if (fields.status !== post.status) patch.status = fields.status;
  return patch;
}
