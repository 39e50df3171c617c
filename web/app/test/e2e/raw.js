// A raw protocol connection opened inside a browser page, beside the
// app's own: same origin, so the page's Content-Security-Policy allows
// it, and a ticket of the page's session (or a bot's token) says hello.
// Tests use it to make activity and to ask the server what the app
// should show. A reload of the page closes it.

/**
 * A raw protocol connection opened in `page` (same origin, so the app's
 * Content-Security-Policy allows it): with a ticket of the page's
 * session, or with `token` (a bot's). `call` sends one request and
 * resolves with its result, or rejects with the error frame.
 * @param {import("playwright-core").Page} page
 * @param {string} [token]
 */
export async function connect(page, token) {
  const index = await page.evaluate(async (token) => {
    const w = /** @type {any} */ (window);
    w.rawSockets ??= [];
    const ticket =
      token ??
      (await (await fetch("/api/ws-ticket", { method: "POST" })).json()).ticket;
    const socket = new WebSocket(
      `ws://${location.host}/ws`,
      "switchboard.v1.json",
    );
    /** @type {Map<number, (frame: any) => void>} */
    const waiting = new Map();
    let ids = 0;
    await new Promise((done, failed) => {
      socket.onopen = () =>
        socket.send(
          JSON.stringify({ type: "hello", version: 1, token: ticket }),
        );
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
      return new Promise((done) => {
        waiting.set(id, (frame) => {
          waiting.delete(id);
          done(frame);
        });
        socket.send(JSON.stringify({ ...request, id }));
      });
    }
    w.rawSockets.push({ call, close: () => socket.close() });
    return w.rawSockets.length - 1;
  }, token);
  return {
    /** @param {Record<string, unknown>} request */
    async call(request) {
      const frame = await page.evaluate(
        ([i, r]) => /** @type {any} */ (window).rawSockets[i].call(r),
        /** @type {[number, Record<string, unknown>]} */ ([index, request]),
      );
      if (frame.type !== "result") {
        throw new Error(
          `${String(request.type)} answered ${JSON.stringify(frame)}`,
        );
      }
      return frame.result;
    },
    /** The error frame `request` is answered with. */
    async refused(/** @type {Record<string, unknown>} */ request) {
      return page.evaluate(
        ([i, r]) => /** @type {any} */ (window).rawSockets[i].call(r),
        /** @type {[number, Record<string, unknown>]} */ ([index, request]),
      );
    },
    close() {
      return page.evaluate(
        (i) => /** @type {any} */ (window).rawSockets[i].close(),
        index,
      );
    },
  };
}
