/**
 * Translations for the browser: the same gettext catalogs as the server (domain
 * "messages-js", compiled by `flask translate compile` to /static/i18n/<lang>.json and
 * precached by the service worker, so they work offline).
 *
 *   import { t, nt } from './i18n.js';
 *   t('Saved on this device');
 *   t('Sending %(count)d of %(total)d', { count: 2, total: 5 });
 *   nt('%(num)d form is waiting', '%(num)d forms are waiting', n);   // %(num)d and %(n)d = n
 *
 * Write msgids in English, as in Python; `flask translate extract` finds t() and nt().
 */

const LANGUAGES = ['sq', 'sr_Latn', 'sr_Cyrl', 'en'];

/** BCP 47 tag of each language, for Intl.* and lang attributes. */
const TAGS = { sq: 'sq', sr_Latn: 'sr-Latn', sr_Cyrl: 'sr-Cyrl', en: 'en' };

// Index of the plural form for n, per language (the Plural-Forms of the catalogs).
const twoForms = (n) => (n === 1 ? 0 : 1);
const serbian = (n) =>
  n % 10 === 1 && n % 100 !== 11 ? 0
    : n % 10 >= 2 && n % 10 <= 4 && (n % 100 < 10 || n % 100 >= 20) ? 1 : 2;
const PLURAL = { sq: twoForms, sr_Latn: serbian, sr_Cyrl: serbian, en: twoForms };

// A hung request must not block every module that imports this one.
const LOAD_TIMEOUT_MS = 4000;

function pageLanguage() {
  const fromBody = typeof document !== 'undefined' && document.body ? document.body.dataset.lang : '';
  return LANGUAGES.includes(fromBody) ? fromBody : 'sq';
}

/** The page's language: sq, sr_Latn, sr_Cyrl or en. */
export const lang = pageLanguage();

/** The page's language as a BCP 47 tag (sq, sr-Latn, sr-Cyrl, en). */
export const locale = TAGS[lang];

async function load(language) {
  if (typeof fetch !== 'function') return {};
  const url = new URL(`../i18n/${language}.json`, import.meta.url);
  const controller = typeof AbortController === 'function' ? new AbortController() : null;
  const timer = setTimeout(() => controller && controller.abort(), LOAD_TIMEOUT_MS);
  try {
    const response = await fetch(url, { credentials: 'same-origin', signal: controller ? controller.signal : undefined });
    if (!response.ok) return {};
    const data = await response.json();
    return data && typeof data.messages === 'object' && data.messages ? data.messages : {};
  } catch {
    // Offline with no cached catalog, or a broken file: show the English msgids.
    return {};
  } finally {
    clearTimeout(timer);
  }
}

const messages = await load(lang);

/** Substitute %(name)s / %(name)d placeholders; %% is a literal percent sign. */
function format(text, params) {
  if (!params) return text;
  return text.replace(/%(?:\((\w+)\))?([sdif%])/g, (whole, name, type) => {
    if (type === '%') return '%';
    if (name === undefined || !(name in params)) return whole;
    const value = params[name];
    return type === 's' ? String(value) : String(type === 'f' ? Number(value) : Math.trunc(Number(value)));
  });
}

/** Translate `msgid`, then fill its named placeholders from `params`. */
export function t(msgid, params) {
  const found = messages[msgid];
  return format(typeof found === 'string' && found ? found : msgid, params);
}

/** Translate a message that depends on the number `n` (%(num)d and %(n)d are n). */
export function nt(singular, plural, n, params) {
  const values = { num: n, n, ...(params || {}) };
  const forms = messages[singular];
  if (Array.isArray(forms)) {
    const text = forms[PLURAL[lang](Math.abs(Number(n)))];
    if (text) return format(text, values);
  }
  return format(Number(n) === 1 ? singular : plural, values);
}

const pad = (n) => String(n).padStart(2, '0');

/**
 * Return a date as day.month.year ("02.12.2026"), the same in every language and on the
 * server: an explicit pattern, since not every browser has locale data for Albanian.
 * @param {Date|string} value
 */
export function formatDate(value) {
  const d = new Date(value);
  return `${pad(d.getDate())}.${pad(d.getMonth() + 1)}.${d.getFullYear()}`;
}

/** Return a time on the 24-hour clock ("21:03"). @param {Date|string} value */
export function formatTime(value) {
  const d = new Date(value);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** Return "02.12.2026 21:03". @param {Date|string} value */
export function formatDateTime(value) {
  return `${formatDate(value)} ${formatTime(value)}`;
}
