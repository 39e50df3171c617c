// A post a message carries, drawn as a card in the timeline: its title,
// location, link and status as they were when the message was sent.
import type { PostCard as Card } from "switchboard-client";

export function PostCard({ card }: { card: Card }) {
  return (
    <div
      class="post-card"
      data-testid="post-card"
      role="group"
      aria-label={`Job post: ${card.title}`}
    >
      <span class="post-title">{card.title}</span>
      {card.location !== null && card.location !== "" && (
        <span class="muted">{card.location}</span>
      )}
      {card.link !== null && card.link !== "" && safeLink(card.link) && (
        <a href={card.link} target="_blank" rel="noopener noreferrer">
          {card.link}
        </a>
      )}
      <span class={`post-status ${card.status}`}>{card.status}</span>
    </div>
  );
}

/** Only web links are followed: a `javascript:` one never is. */
function safeLink(link: string): boolean {
  return /^https?:\/\//i.test(link);
}
