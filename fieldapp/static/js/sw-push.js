/* Web Push in the service worker (classic script, loaded by sw.js with importScripts).
   The payload is {type, count, url, title, body, tag}: never a name or a case detail. */

const PUSH_FALLBACK_TITLE = 'fieldapp';
// Shown only when a message arrives without a readable payload: the worker has no
// catalogs, so the one sentence is here in the four languages.
const PUSH_FALLBACK_BODIES = {
  sq: 'Diçka kërkon vëmendjen tuaj. Hapni aplikacionin.',
  'sr-latn': 'Nešto zahteva vašu pažnju. Otvorite aplikaciju.',
  'sr-cyrl': 'Нешто захтева вашу пажњу. Отворите апликацију.',
  en: 'Something needs your attention. Open the app.',
};

function pushFallbackBody() {
  const lang = String(self.navigator.language || 'sq').toLowerCase();
  if (lang.startsWith('sr')) {
    return lang.includes('latn') ? PUSH_FALLBACK_BODIES['sr-latn'] : PUSH_FALLBACK_BODIES['sr-cyrl'];
  }
  return lang.startsWith('en') ? PUSH_FALLBACK_BODIES.en : PUSH_FALLBACK_BODIES.sq;
}
const PUSH_ICON = '/static/icons/icon-192.png';

/** Return url if it is a path on this origin, else the start page. */
function pushSafeUrl(url) {
  if (typeof url !== 'string' || !url.startsWith('/') || url.startsWith('//') || url.includes('\\')) {
    return '/';
  }
  const resolved = new URL(url, self.location.origin);
  return resolved.origin === self.location.origin ? resolved.pathname + resolved.search : '/';
}

/** Read the push message's JSON; anything unreadable gives the generic notification. */
function pushPayload(event) {
  let data = {};
  try {
    data = (event.data && event.data.json()) || {};
  } catch {
    data = {};
  }
  return {
    title: typeof data.title === 'string' && data.title ? data.title : PUSH_FALLBACK_TITLE,
    body: typeof data.body === 'string' && data.body ? data.body : pushFallbackBody(),
    tag: typeof data.tag === 'string' && data.tag ? data.tag : 'fieldapp',
    url: pushSafeUrl(data.url),
  };
}

self.addEventListener('push', (event) => {
  const payload = pushPayload(event);
  event.waitUntil(self.registration.showNotification(payload.title, {
    body: payload.body,
    tag: payload.tag,
    icon: PUSH_ICON,
    badge: PUSH_ICON,
    data: { url: payload.url },
  }));
});

/** Focus a window already showing url, or open one. */
async function openPushUrl(url) {
  const target = new URL(pushSafeUrl(url), self.location.origin).href;
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const same = windows.find((client) => client.url === target);
  if (same) return same.focus();
  // Never navigate another open window away: it may hold a form being filled in.
  return self.clients.openWindow(target);
}

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = event.notification.data && event.notification.data.url;
  event.waitUntil(openPushUrl(url));
});
