// Big data for the benchmark, made through the protocol: many
// conversations in one team and one conversation with a long history.
// Sent over a raw WebSocket from a page that is not the app (the server's
// /healthz, same origin: the session's ticket works, and no app is there
// to take every event), pipelined: at most WINDOW requests unanswered at
// once, and the whole bounded in time.

/** Requests in flight at once. */
const WINDOW = 256;
/** The seeding gives up past this. */
const SEED_TIMEOUT_MS = 15 * 60_000;

/**
 * Seeds team `teamName` of the signed-in user of `page`: `conversations`
 * conversations (contacts "Contact 00001"...), then one with contact
 * `big` holding `messages` messages, started last so it is the most
 * recently active. Returns how long it took and what was made.
 * @param {import("playwright-core").Page} page
 * @param {string} url
 * @param {{teamName: string, conversations: number, big: string, messages: number}} plan
 */
export async function seed(page, url, plan) {
  await page.goto(`${url}/healthz`);
  return page.evaluate(
    async ({ plan, WINDOW, SEED_TIMEOUT_MS }) => {
      const started = performance.now();
      const answer = await fetch("/api/ws-ticket", { method: "POST" });
      const { ticket } = /** @type {{ticket: string}} */ (await answer.json());
      const socket = new WebSocket(
        `ws://${location.host}/ws`,
        "switchboard.v1.json",
      );
      /** @type {Map<number, (frame: any) => void>} */
      const waiting = new Map();
      let ids = 0;
      /** @type {any} */
      const welcome = await new Promise((done, failed) => {
        socket.onopen = () =>
          socket.send(
            JSON.stringify({ type: "hello", version: 1, token: ticket }),
          );
        socket.onclose = (event) =>
          failed(new Error(`closed ${String(event.code)}`));
        socket.onmessage = (event) => {
          const frame = JSON.parse(String(event.data));
          if (frame.type === "welcome") done(frame);
          else if (frame.id !== undefined) waiting.get(frame.id)?.(frame);
        };
      });
      const team = welcome.teams.find(
        (/** @type {{name: string}} */ t) => t.name === plan.teamName,
      ).id;

      /**
       * Sends `count` requests made by `make(i)`, WINDOW at a time; throws
       * on the first refusal or past the deadline.
       * @param {number} count
       * @param {(i: number) => Record<string, unknown>} make
       */
      async function pipeline(count, make) {
        /** @type {any[]} */
        const results = new Array(count);
        let sent = 0;
        let answered = 0;
        await new Promise((done, failed) => {
          function more() {
            if (performance.now() - started > SEED_TIMEOUT_MS) {
              failed(new Error("seeding took too long"));
              return;
            }
            while (sent < count && sent - answered < WINDOW) {
              const i = sent++;
              const id = ++ids;
              waiting.set(id, (frame) => {
                waiting.delete(id);
                answered++;
                if (frame.type !== "result") {
                  failed(new Error(`refused: ${JSON.stringify(frame)}`));
                  return;
                }
                results[i] = frame.result;
                if (answered === count) done(undefined);
                else more();
              });
              socket.send(JSON.stringify({ ...make(i), id }));
            }
          }
          if (count === 0) done(undefined);
          else more();
        });
        return results;
      }

      await pipeline(plan.conversations, (i) => ({
        type: "start_conversation",
        team,
        contact: { name: `Contact ${String(i + 1).padStart(5, "0")}` },
      }));
      const [big] = await pipeline(1, () => ({
        type: "start_conversation",
        team,
        contact: { name: plan.big },
      }));
      await pipeline(plan.messages, (i) => ({
        type: "send",
        conversation: big.id,
        client_msg_id: `bench-${String(i)}`,
        body: `History message ${String(i + 1)}${
          // Some long ones: heights vary as in real talk.
          i % 7 === 0 ? " — and a longer line that wraps".repeat(4) : ""
        }`,
      }));
      socket.close();
      return {
        team,
        conversation: big.id,
        seconds: (performance.now() - started) / 1000,
      };
    },
    { plan, WINDOW, SEED_TIMEOUT_MS },
  );
}
