// What the benchmark measures in the page: a first load (time to the
// inbox, bytes of script and style as they crossed the wire) and a scroll
// through a windowed list from one end to the other (long tasks, frames
// late, JS heap before and after), driven frame by frame in the page.

/**
 * Loads the app in `page` (a fresh context: nothing cached) and waits for
 * the dashboard's first row.
 * @param {import("playwright-core").Page} page
 * @param {string} url
 */
export async function firstLoad(page, url) {
  /** @type {Set<string>} */
  const encodings = new Set();
  page.on("response", (response) => {
    if (/\.(js|css)$/.test(new URL(response.url()).pathname)) {
      encodings.add(response.headers()["content-encoding"] ?? "identity");
    }
  });
  await page.goto(`${url}/`);
  await page.getByTestId("dashboard-row").first().waitFor();
  const timing = await page.evaluate(() => {
    const shown = performance.now();
    const assets = performance
      .getEntriesByType("resource")
      .map((e) => /** @type {PerformanceResourceTiming} */ (e))
      .filter((e) => /\.(js|css)$/.test(new URL(e.name).pathname));
    return {
      inboxMs: shown,
      wireBytes: assets.reduce((sum, e) => sum + e.encodedBodySize, 0),
      bytes: assets.reduce((sum, e) => sum + e.decodedBodySize, 0),
    };
  });
  return { ...timing, encodings: [...encodings] };
}

/**
 * Scrolls the list `selector` from its current end to the other (`up`:
 * to the top), `screens` heights a frame, until it is at that end and
 * nothing matches `absent` (what shows while more is to load), or
 * `limitMs` passes. Returns
 * the long tasks seen (ms each), how many frames came later than 2.5
 * frame periods after the one before, and the JS heap (after a garbage
 * collection) before and after.
 * @param {import("playwright-core").Page} page
 * @param {{selector: string, up: boolean, screens: number, absent: string, limitMs: number}} how
 */
export async function scrollThrough(page, how) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send("Performance.enable");
  const heap = async () => {
    await cdp.send("HeapProfiler.collectGarbage");
    const { metrics } = await cdp.send("Performance.getMetrics");
    return metrics.find((m) => m.name === "JSHeapUsedSize")?.value ?? 0;
  };
  const heapBefore = await heap();
  const seen = await page.evaluate(async (how) => {
    const el = /** @type {HTMLElement} */ (
      document.querySelector(how.selector)
    );
    const finished = () => document.querySelector(how.absent) === null;
    /** @type {number[]} */
    const longTasks = [];
    const observer = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) longTasks.push(entry.duration);
    });
    observer.observe({ type: "longtask" });
    /** @type {number[]} */
    const gaps = [];
    const started = performance.now();
    let last = started;
    let reached = false;
    await new Promise((done) => {
      /** @param {number} now */
      function step(now) {
        gaps.push(now - last);
        last = now;
        const atEnd = how.up
          ? el.scrollTop <= 0
          : el.scrollTop + el.clientHeight >= el.scrollHeight - 1;
        if (atEnd && finished()) {
          reached = true;
          done(undefined);
          return;
        }
        if (now - started > how.limitMs) {
          done(undefined);
          return;
        }
        el.scrollTop += (how.up ? -1 : 1) * el.clientHeight * how.screens;
        requestAnimationFrame(step);
      }
      requestAnimationFrame(step);
    });
    // Long tasks are reported a little after they end.
    await new Promise((done) => setTimeout(done, 200));
    observer.disconnect();
    const period =
      [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 16.7;
    return {
      reached,
      seconds: (performance.now() - started) / 1000,
      frames: gaps.length,
      lateFrames: gaps.filter((g) => g > period * 2.5).length,
      longTasks,
    };
  }, how);
  const heapAfter = await heap();
  await cdp.detach();
  return { ...seen, heapBefore, heapAfter };
}
