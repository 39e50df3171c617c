// Where a conversation's contact writes from through a bridge, for its
// header: the bridge's name and the contact's address on it (an SMS
// number). Read with the conversation's details; a bridge is a bot, and
// its name comes from the team's bots (webhook bridges and those run with
// the SDK alike), which only Managers may list: others read "A bridge". The web chat's label is ContactStatus's (with the
// contact's online state); nothing shows for a conversation started in
// the app.
import { useEffect, useState } from "preact/hooks";
import type { Channel, Id } from "switchboard-client";
import { link, live } from "../live/connection";
import { useValue } from "../live/observable";

export function ChannelLabel({
  team,
  conversation,
}: {
  team: Id;
  conversation: Id;
}) {
  const connected = useValue(link).state === "open";
  const [shown, setShown] = useState<{
    conversation: Id;
    channel: Extract<Channel, { kind: "bridge" }>;
    bridge: string | null;
  } | null>(null);

  useEffect(() => {
    if (!connected) return;
    let current = true;
    const client = live();
    client
      .request({ type: "conversation", conversation })
      .then(async (reply) => {
        const channel = reply.conversation.channel;
        if (channel?.kind !== "bridge") return null;
        const bots = await client
          .request({ type: "bots", team })
          .then((r) => r.bots)
          .catch(() => []);
        const bridge = bots.find((b) => b.id === channel.bridge)?.name ?? null;
        return { channel, bridge };
      })
      .then((found) => {
        if (current)
          setShown(found === null ? null : { conversation, ...found });
      })
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [team, conversation, connected]);

  if (shown?.conversation !== conversation) return null;
  const { channel, bridge } = shown;
  return (
    <span class="channel-label" data-testid="channel">
      {bridge ?? "A bridge"} · {channel.address}
    </span>
  );
}
