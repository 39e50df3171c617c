// The installable app: registers the service worker (sw/service-worker.js,
// built into /sw.js) once the page has loaded, so it never competes with
// the first load. Only in a build: the dev server has no /sw.js.
/// <reference types="vite/client" />

export function registerServiceWorker(): void {
  if (!import.meta.env.PROD || !("serviceWorker" in navigator)) return;
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // Not installable here (a private window, say): the app works the same.
    });
  });
}
