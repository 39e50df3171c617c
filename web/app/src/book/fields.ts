// The team's custom contact fields (`contact_fields`), read once per team
// and kept live by `contact_fields` events; read again after a gap.
import { useEffect, useState } from "preact/hooks";
import type { FieldDef, Id } from "switchboard-client";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";

/** The team's field definitions; empty until read. */
export function useContactFields(team: Id): FieldDef[] {
  const [fields, setFields] = useState<FieldDef[]>([]);
  const [stale, setStale] = useState(0);
  const connected = useValue(link).state === "open";

  useEffect(
    () =>
      listenTeam(team, (news) => {
        if (news.kind === "reset") setStale((n) => n + 1);
        else if (
          news.kind === "event" &&
          news.frame.event.type === "contact_fields"
        )
          setFields(news.frame.event.fields);
      }),
    [team],
  );

  useEffect(() => {
    if (!connected) return;
    let current = true;
    live()
      .request({ type: "contact_fields", team })
      .then((reply) => {
        if (current) setFields(reply.fields);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [team, connected, stale]);

  return fields;
}
