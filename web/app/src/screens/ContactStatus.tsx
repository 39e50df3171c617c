// A conversation's contact as the agents see them live: "Web chat" for a
// conversation that came through the team's web chat, whether its
// contact has the chat open now, and whether they are typing.
//
// Online comes from the team's presence (`contacts` of the presence
// answer, then `contact_presence` signals); the channel from the
// conversation's record (`channel`); typing from `typing` signals marked
// `contact`. A typing shown without news for a while is taken as stopped.
import type { Id } from "switchboard-client";
import { useEffect, useState } from "preact/hooks";
import { link, listenTeam, live } from "../live/connection";
import { useValue } from "../live/observable";
import { usePresence } from "../live/presence";

const TYPING_SHOWN_MS = 8000;

export function ContactStatus({
  team,
  conversation,
}: {
  team: Id;
  conversation: Id;
}) {
  const presence = usePresence(team);
  const connected = useValue(link).state === "open";
  const [web, setWeb] = useState(false);
  const [typing, setTyping] = useState(false);

  useEffect(() => {
    setWeb(false);
  }, [conversation]);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    live()
      .request({ type: "conversation", conversation })
      .then((details) => {
        // The record's channel (section 25): absent for one started in the app.
        const channel = (
          details.conversation as { channel?: { kind?: string } }
        ).channel;
        if (current && channel?.kind === "web") setWeb(true);
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [conversation, connected]);

  useEffect(() => {
    setTyping(false);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = listenTeam(team, (news) => {
      if (news.kind !== "signal") return;
      const signal = news.frame.signal;
      if (
        signal.type !== "typing" ||
        signal.contact !== true ||
        signal.conversation !== conversation
      )
        return;
      clearTimeout(timer);
      setTyping(signal.typing);
      if (signal.typing)
        timer = setTimeout(() => {
          setTyping(false);
        }, TYPING_SHOWN_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [team, conversation]);

  const online = presence.contactsOnline.has(conversation);
  if (!web && !online) return null;
  return (
    <p class="contact-status muted" data-testid="contact-status">
      {web && <span class="channel-label">Web chat</span>}
      <span class={online ? "dot on" : "dot away"} aria-hidden="true" />
      <span data-testid="contact-online">
        {online ? "Contact online" : "Contact offline"}
      </span>
      {typing && <span data-testid="contact-typing"> · typing…</span>}
    </p>
  );
}
