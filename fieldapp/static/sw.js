/* fieldapp service worker. Served at /sw.js by fieldapp/pwa/routes.py, which prepends
   `const BUILD = "<hash of the static files>"; const PRECACHE = [...urls];`.
   It caches and serves; it never queues or replays form POSTs (WebKit may send an empty
   body): the page's script owns the outbox. */
/* global BUILD, PRECACHE */
const SHELL_CACHE = `fieldapp-shell-${BUILD}`;
// Unversioned: form pages a draft or queued item needs survive every update.
const PAGES_CACHE = 'fieldapp-pages';
const EXPECTED_CACHES = [SHELL_CACHE, PAGES_CACHE];
const NETWORK_TIMEOUT_MS = 3000;
const LANG_KEY = '/pwa-state/lang';

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // One by one: a missing file (e.g. translations not compiled) must not fail the install.
    await Promise.all(PRECACHE.map(async (url) => {
      try {
        const response = await fetch(url, { cache: 'no-cache', credentials: 'same-origin' });
        if (response.ok) await cache.put(url, response);
      } catch (err) { /* cached on first use instead */ }
    }));
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith('fieldapp-') && !EXPECTED_CACHES.includes(name)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

// The vault's data key between page loads, in memory only (never in a cache or
// IndexedDB): lost when the worker stops, forgotten on lock, quick exit and sign-out,
// and refused once the user has been idle longer than the lock time.
let vaultKey = null;

function vaultMessage(event) {
  const data = event.data;
  if (data.type === 'VAULT_PUT') vaultKey = { userId: data.userId, key: data.key, at: data.at, idleMs: data.idleMs };
  else if (data.type === 'VAULT_TOUCH' && vaultKey) vaultKey.at = Math.max(vaultKey.at, data.at);
  else if (data.type === 'VAULT_FORGET') vaultKey = null;
  else if (data.type === 'VAULT_GET') {
    if (vaultKey && Date.now() - vaultKey.at >= vaultKey.idleMs) vaultKey = null;
    event.ports[0].postMessage(vaultKey ? { userId: vaultKey.userId, key: vaultKey.key } : null);
  }
}

self.addEventListener('message', (event) => {
  if (event.data && String(event.data.type).startsWith('VAULT_')) { vaultMessage(event); return; }
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
  if (event.data && event.data.type === 'CLAIM') event.waitUntil(self.clients.claim());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return; // never touch POSTs
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || url.pathname.startsWith('/api/')) return;
  if (request.mode === 'navigate') {
    event.respondWith(networkFirst(request, url));
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.webmanifest') {
    event.respondWith(cacheFirst(request));
  }
});

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: request.url.includes('/manifest.webmanifest') });
  return cached || fetch(request);
}

async function networkFirst(request, url) {
  try {
    const response = await Promise.race([
      fetch(request),
      new Promise((resolve, reject) => { setTimeout(() => reject(new Error('timeout')), NETWORK_TIMEOUT_MS); }),
    ]);
    if (response.status < 500) return response;
  } catch (err) { /* offline or too slow: fall back below */ }
  return (await offlineCopy(url)) || new Response('offline', { status: 503, headers: { 'Content-Type': 'text/plain' } });
}

async function preferredLang(url) {
  const asked = url.searchParams.get('lang');
  if (asked) return asked;
  const stored = await caches.match(LANG_KEY);
  return stored ? stored.text() : 'sq';
}

/** The page whose ?shell=1 copy stands in for `pathname` offline (null: none). Every
 *  family page shares one copy: lookup-page.js reads the family's id from the address. */
function shellPath(pathname) {
  if (pathname === '/' || pathname === '/outbox' || pathname === '/families/') return pathname;
  if (pathname === '/cases/my-work') return pathname;
  if (pathname === '/families') return '/families/';
  if (/^\/courses\/\d+$/.test(pathname)) return pathname;
  if (/^\/families\/[0-9a-f-]{36}$/i.test(pathname)) return '/families/shell';
  return null;
}

/** The cached ?shell=1 copy of a form page (people's data comes from IndexedDB), else /offline. */
async function offlineCopy(url) {
  const cache = await caches.open(PAGES_CACHE);
  const lang = await preferredLang(url);
  const form = /^\/forms\/([a-z0-9_]+)$/.exec(url.pathname);
  if (form) {
    const want = { course: url.searchParams.get('course'), respondent_lang: url.searchParams.get('respondent_lang') };
    let best = null;
    for (const key of await cache.keys()) {
      const k = new URL(key.url);
      if (k.pathname !== url.pathname) continue;
      if (want.course && k.searchParams.get('course') !== want.course) continue;
      const score = (k.searchParams.get('lang') === lang ? 2 : 0)
        + (k.searchParams.get('respondent_lang') === (want.respondent_lang || lang) ? 1 : 0);
      if (!best || score > best.score) best = { key, score };
    }
    if (best) return cache.match(best.key);
  }
  const shell = shellPath(url.pathname);
  if (shell) {
    const page = (await cache.match(`${shell}?shell=1&lang=${lang}`))
      || (await cache.match(`${shell}?shell=1&lang=sq`));
    if (page) return page;
  }
  return (await cache.match(`/offline?shell=1&lang=${lang}`)) || caches.match('/offline');
}

// Background Sync (Chromium only; never the only trigger): ask an open page to run
// the sync loop, which owns the outbox. Without a page, the next start sends.
self.addEventListener('sync', (event) => {
  if (event.tag !== 'fieldapp-sync') return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window' });
    if (!windows.length) return;
    const answer = await new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = (message) => resolve(message.data);
      windows[0].postMessage({ type: 'SYNC' }, [channel.port2]);
      setTimeout(() => resolve({ ok: false }), 60000);
    });
    if (!answer || !answer.ok) throw new Error('sync not finished; the browser retries later');
  })());
});

// Web Push handlers (push helper). Guarded so a missing file cannot break offline use.
try { importScripts('/static/js/sw-push.js'); } catch (err) { /* no push on this build */ }
