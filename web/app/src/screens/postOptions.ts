// The `^post ` helper's options: the team's open posts, read when the
// helper opens (once per opening), each offered by its id and title.
import { useEffect, useState } from "preact/hooks";
import type { Id } from "switchboard-client";
import { live } from "../live/connection";
import type { Option } from "./commands";

/** Open posts read for the helper: the most a team is expected to have open. */
const LIMIT = 200;

/** The open posts as options while `wanted`; null while they load. */
export function usePostOptions(team: Id, wanted: boolean): Option[] | null {
  const [options, setOptions] = useState<Option[] | null>(null);
  useEffect(() => {
    if (!wanted) {
      setOptions(null);
      return;
    }
    let current = true;
    live()
      .request({ type: "posts", team, status: "open", limit: LIMIT })
      .then((reply) => {
        if (!current) return;
        setOptions(
          reply.posts.map((p) => ({
            value: String(p.id),
            label: p.title,
            detail: p.location ?? "",
          })),
        );
      })
      .catch(() => {
        if (current) setOptions([]);
      });
    return () => {
      current = false;
    };
  }, [team, wanted]);
  return options;
}
