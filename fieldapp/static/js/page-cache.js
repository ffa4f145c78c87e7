// The page decides which form pages are kept for offline use (the service worker only
// reads them). Only ?shell=1 copies are cached: they carry no people's data.

/** Cache of form pages; unversioned so a service-worker update never evicts it. */
export const PAGES_CACHE = 'fieldapp-pages';
/** Where the service worker finds the language to open offline (a tiny cached text). */
export const LANG_KEY = '/pwa-state/lang';
const LANGUAGES = ['sq', 'sr_Latn', 'sr_Cyrl', 'en'];

/**
 * Return the shell URLs to keep for `forms` and `courses` in each of `languages`.
 * @param {object[]} forms client definitions the user may fill
 * @param {object[]} courses courses of the pull (attendance: one page per course)
 * @param {string[]} languages interface languages the user has used
 * @param {boolean} [withFamilies] the user sees families (the families list and page)
 * @returns {string[]}
 */
export function shellUrls(forms, courses, languages, withFamilies = true) {
  const urls = [];
  for (const lang of languages) {
    urls.push(`/offline?shell=1&lang=${lang}`);
    // The look-up pages: start, families, one family page for every family, My work, the outbox.
    // Roles without families get a 403 for those two, which cachePages skips.
    urls.push(`/?shell=1&lang=${lang}`, `/outbox?shell=1&lang=${lang}`);
    if (withFamilies) {
      urls.push(`/families/?shell=1&lang=${lang}`, `/families/shell?shell=1&lang=${lang}`);
      // "My work", filled from the pulled due list.
      urls.push(`/cases/my-work?shell=1&lang=${lang}`);
    }
    // Each course's page, without names: filled from the pulled roster.
    for (const course of courses) urls.push(`/courses/${course.id}?shell=1&lang=${lang}`);
    for (const form of forms) {
      const base = `/forms/${form.id}?shell=1&lang=${lang}`;
      if (form.subject === 'course_session') {
        for (const course of courses) urls.push(`${base}&course=${course.id}`);
      } else if (form.subject === 'new_family') {
        for (const other of LANGUAGES) urls.push(`${base}&respondent_lang=${other}`);
      } else {
        urls.push(base);
      }
    }
  }
  return urls;
}

/**
 * Fetch and cache the shell pages, drop cached pages no longer wanted.
 * @param {string[]} urls from shellUrls()
 * @param {{refresh?: boolean}} [options] refresh: fetch pages already cached too (default true)
 * @returns {Promise<number>} how many pages are cached now
 */
export async function cachePages(urls, { refresh = true } = {}) {
  if (!('caches' in self)) return 0;
  const cache = await caches.open(PAGES_CACHE);
  const wanted = new Set(urls.map((u) => new URL(u, location.origin).href));
  for (const request of await cache.keys()) {
    if (!wanted.has(request.url) && !request.url.endsWith(LANG_KEY)) await cache.delete(request);
  }
  let count = 0;
  for (const url of urls) {
    if (!refresh && (await cache.match(url))) { count += 1; continue; }
    try {
      const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', redirect: 'error' });
      if (response.ok && response.headers.get('content-type').startsWith('text/html')) {
        await cache.put(url, response);
        count += 1;
      }
    } catch (err) {
      // Offline or signed out: keep the copy we had.
    }
  }
  return count;
}

/** Tell the service worker which language to open offline pages in. */
export async function rememberLanguage(lang) {
  if (!('caches' in self)) return;
  const cache = await caches.open(PAGES_CACHE);
  await cache.put(LANG_KEY, new Response(lang, { headers: { 'Content-Type': 'text/plain' } }));
}

/** Delete every cached form page (logout, other user, revoked device). */
export async function clearPages() {
  if ('caches' in self) await caches.delete(PAGES_CACHE);
}

/** Delete every fieldapp cache, the app shell included (revoked device). */
export async function clearAllCaches() {
  if (!('caches' in self)) return;
  for (const name of await caches.keys()) if (name.startsWith('fieldapp-')) await caches.delete(name);
}
