// The team's job posts: a list filtered by status (open, closed, all),
// pages loaded on demand, and the editor for a new post or one chosen
// in the list (title, body, link, location, status).
//
// Invariants: the list follows `post_changed` events live (a post edited
// elsewhere changes in place; one whose status leaves the filter goes);
// only the newest load's answer shows; after a gap it is read again.
import { useEffect, useRef, useState } from "preact/hooks";
import type { Id, PostInfo, PostStatus } from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import type { PageProps } from "../pages/registry";
import { PostEditor } from "./PostEditor";
import { usePages } from "./pages";
import { postOf } from "./posts";
import "./book.css";

const PAGE = 50;

export function Posts({ team }: PageProps) {
  if (team === null) return null;
  return <PostList key={team.id} team={team.id} />;
}

type Filter = PostStatus | "all";

/** The list after a post changed: replaced, added, or gone from the filter. */
export function postsAfter(
  list: PostInfo[],
  post: PostInfo,
  filter: Filter,
  whole: boolean,
): PostInfo[] {
  const fits = filter === "all" || post.status === filter;
  const held = list.some((p) => p.id === post.id);
  if (!fits) return list.filter((p) => p.id !== post.id);
  if (held) return list.map((p) => (p.id === post.id ? post : p));
  // By id, as the server pages them: a new post ends a list that holds
  // every page; a list with pages to come gets it on its last page.
  return whole ? [...list, post].sort((a, b) => a.id - b.id) : list;
}

function PostList({ team }: { team: Id }) {
  const [filter, setFilter] = useState<Filter>("open");
  /** The post in the editor: "new", one of the list, or none. */
  const [editing, setEditing] = useState<PostInfo | "new" | null>(null);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";
  const {
    items: posts,
    setItems: setPosts,
    next,
    loading,
    error,
    load,
  } = usePages<PostInfo>(
    (after) =>
      live()
        .request({
          type: "posts",
          team,
          status: filter === "all" ? null : filter,
          after,
          limit: PAGE,
        })
        .then((reply) => ({ items: reply.posts, next: reply.next })),
    JSON.stringify([team, filter, stale]),
    connected,
  );
  const opener = useRef<HTMLElement | null>(null);
  const view = useRef({ filter, whole: next === null });
  view.current = { filter, whole: next === null };

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind === "reset") setStale((n) => n + 1);
        else if (
          news.kind === "event" &&
          news.frame.event.type === "post_changed"
        ) {
          const post = postOf(news.frame.event);
          const { filter: f, whole } = view.current;
          setPosts((list) => postsAfter(list, post, f, whole));
        }
      }),
    [team],
  );

  function edit(post: PostInfo | "new") {
    opener.current =
      document.activeElement instanceof HTMLElement
        ? document.activeElement
        : null;
    setEditing(post);
  }

  function closeEditor() {
    setEditing(null);
    requestAnimationFrame(() => opener.current?.focus());
  }

  return (
    <div class="book">
      <div class="book-toolbar">
        <div class="field">
          <label for="post-filter">Show</label>
          <select
            id="post-filter"
            value={filter}
            onChange={(e) => {
              setFilter(e.currentTarget.value as Filter);
            }}
          >
            <option value="open">Open posts</option>
            <option value="closed">Closed posts</option>
            <option value="all">All posts</option>
          </select>
        </div>
        <button
          type="button"
          onClick={() => {
            edit("new");
          }}
        >
          New post
        </button>
      </div>
      {editing !== null && (
        <section class="book-panel" aria-labelledby="post-editor-title">
          <h2 id="post-editor-title">
            {editing === "new" ? "New post" : `Edit ${editing.title}`}
          </h2>
          <PostEditor
            key={editing === "new" ? "new" : editing.id}
            team={team}
            post={editing === "new" ? null : editing}
            onSaved={(post) => {
              setPosts((list) => postsAfter(list, post, filter, next === null));
              closeEditor();
            }}
            onCancel={closeEditor}
          />
        </section>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="muted" role="status">
        {loading
          ? "Loading…"
          : posts.length === 0
            ? "No post here yet."
            : `${String(posts.length)}${next !== null ? "+" : ""} post(s)`}
      </p>
      <ul class="book-list" aria-label="Posts" aria-busy={loading}>
        {posts.map((post) => (
          <li key={post.id} class="book-row" data-testid="post-row">
            <span class="book-title">{post.title}</span>
            {post.location !== null && post.location !== "" && (
              <span class="muted">{post.location}</span>
            )}
            <span class={`post-status ${post.status}`}>{post.status}</span>
            <button
              type="button"
              class="secondary"
              aria-label={`Edit ${post.title}`}
              onClick={() => {
                edit(post);
              }}
            >
              Edit
            </button>
          </li>
        ))}
      </ul>
      {next !== null && (
        <button
          type="button"
          class="secondary"
          disabled={loading}
          onClick={() => {
            load(next);
          }}
        >
          Load more
        </button>
      )}
    </div>
  );
}
