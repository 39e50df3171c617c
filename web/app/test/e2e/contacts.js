// Contacts writing to a team, as a channel bridge would: what a browser
// test uses to make conversations wait. Runs in a signed-in page, through
// the page's own session (a WebSocket ticket), so the server sees the
// demo Manager create the bridge's bot.

/**
 * Makes the conversation of a new contact of `teamName` wait: a bot of
 * the team (created by the signed-in Manager on a connection of her
 * session) starts it, the Manager assigns it to `assignee` (a handle) if
 * one is given, and the bot posts `says` as the contact.
 * @param {import("playwright-core").Page} page
 * @param {string} teamName
 * @param {{name: string, says: string}} contact
 * @param {string | null} [assignee]
 */
export async function contactWrites(page, teamName, contact, assignee = null) {
  await page.evaluate(
    async ({ teamName, contact, assignee }) => {
      /** @param {string} token */
      async function connect(token) {
        const socket = new WebSocket(
          `ws://${location.host}/ws`,
          "switchboard.v1.json",
        );
        /** @type {Map<number, (frame: any) => void>} */
        const waiting = new Map();
        let ids = 0;
        await new Promise((done, failed) => {
          socket.onopen = () =>
            socket.send(JSON.stringify({ type: "hello", version: 1, token }));
          socket.onclose = (event) =>
            failed(new Error(`closed ${String(event.code)}`));
          socket.onmessage = (event) => {
            const frame = JSON.parse(String(event.data));
            if (frame.type === "welcome") done(undefined);
            else waiting.get(frame.id)?.(frame);
          };
        });
        /** @param {Record<string, unknown>} request */
        function call(request) {
          const id = ++ids;
          return new Promise((done, failed) => {
            waiting.set(id, (frame) => {
              if (frame.type === "result") done(frame.result);
              else failed(new Error(JSON.stringify(frame)));
            });
            socket.send(JSON.stringify({ ...request, id }));
          });
        }
        return { call, close: () => socket.close() };
      }
      const session = await (await fetch("/api/session")).json();
      const team = session.teams.find(
        (/** @type {{name: string}} */ t) => t.name === teamName,
      ).id;
      const ticket = await (
        await fetch("/api/ws-ticket", { method: "POST" })
      ).json();
      const manager = await connect(ticket.ticket);
      const bot = await manager.call({
        type: "create_bot",
        team,
        name: `Gateway for ${contact.name}`,
        scope: "read_write",
      });
      const gateway = await connect(bot.token);
      const started = await gateway.call({
        type: "start_conversation",
        team,
        contact: { name: contact.name },
      });
      if (assignee !== null) {
        await manager.call({
          type: "assign",
          conversation: started.id,
          who: { type: "user", handle: assignee },
        });
      }
      manager.close();
      await gateway.call({
        type: "send",
        conversation: started.id,
        client_msg_id: `allday-${contact.name}`,
        body: contact.says,
        as_contact: true,
      });
      gateway.close();
    },
    { teamName, contact, assignee },
  );
}
