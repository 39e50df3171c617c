// A post as the list and editor hold it, from a `post` reply or a
// `post_changed` event (both the post's fields under a `type`).
import type { PostInfo } from "switchboard-client";

export function postOf(tagged: PostInfo & { type: string }): PostInfo {
  return {
    id: tagged.id,
    team: tagged.team,
    kind: tagged.kind,
    title: tagged.title,
    body: tagged.body,
    link: tagged.link,
    location: tagged.location,
    status: tagged.status,
    created_by: tagged.created_by,
    created_at: tagged.created_at,
    updated_at: tagged.updated_at,
  };
}
