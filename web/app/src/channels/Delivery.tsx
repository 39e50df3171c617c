// A relayed message's delivery as the timeline shows it, under the
// message: sent, delivered, or failed with the gateway's reason. Only
// messages a bridge carries have one.
import type { Delivery } from "switchboard-client";

const WORDS: Record<Delivery["status"], string> = {
  sent: "Sent",
  delivered: "Delivered",
  failed: "Not delivered",
};

export function DeliveryState({ delivery }: { delivery: Delivery }) {
  const detail =
    delivery.status === "failed" && delivery.detail
      ? `: ${delivery.detail}`
      : "";
  return (
    <span
      class={`delivery ${delivery.status}`}
      data-testid="delivery"
      data-status={delivery.status}
      title={new Date(delivery.at).toLocaleString()}
    >
      {WORDS[delivery.status]}
      {detail}
    </span>
  );
}
