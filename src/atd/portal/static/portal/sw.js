/* atd portal service worker: keeps the portal pages and assets available offline.
 * Navigations go to the network first (fresh data), falling back to the cached copy; check-in
 * submissions are never intercepted: the page's IndexedDB queue owns them. */
const CACHE = "atd-portal-v2";
const SHELL = ["/portal/", "/portal/checkin/", "/static/portal/checkin.js", "/static/portal/portal.css", "/static/atd/atd.css"];

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL).catch(() => {})).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(keys.filter((k) => k !== CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

self.addEventListener("fetch", (event) => {
  const req = event.request;
  const url = new URL(req.url);
  if (req.method !== "GET" || url.origin !== self.location.origin || url.pathname.startsWith("/api/")) return;
  if (req.mode === "navigate" || SHELL.includes(url.pathname)) {
    event.respondWith(
      fetch(req).then((resp) => {
        if (resp.ok && !resp.redirected) {
          const copy = resp.clone();
          caches.open(CACHE).then((c) => c.put(req, copy));
        }
        return resp;
      // Django answers with Vary: Cookie, Accept-Language; offline, any cached copy will do.
      }).catch(() => caches.match(req, { ignoreVary: true })
        .then((hit) => hit || caches.match("/portal/", { ignoreVary: true })))
    );
  }
});
