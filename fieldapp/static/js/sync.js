// The sync loop: push the signed-in user's outbox in batches, then pull their caseload.
// One sender at a time across tabs (navigator.locks); triggered by main.js on start,
// `online`, `visibilitychange`, a backoff timer, and the service worker's `sync` event.
import { ApiError, apiFetch, freshCsrf } from './api.js';
import { all, applyPull, getMeta, setMeta, wipeEverything } from './local-db.js';
import { applyResults, list, sendable } from './outbox.js';
import { cachePages, clearAllCaches, shellUrls } from './page-cache.js';
import { forgetKey, isUnlocked } from './vault.js';

/** Items per push request (the server takes up to SYNC_MAX_ITEMS = 100). */
export const BATCH_SIZE = 50;
/** First retry delay after a failure, in milliseconds; doubles each time. */
export const BACKOFF_START_MS = 1000;
/** Longest retry delay, in milliseconds (5 minutes). */
export const BACKOFF_MAX_MS = 5 * 60 * 1000;
/** Re-fetch cached form pages at least this often, in milliseconds (1 day). */
const PAGES_MAX_AGE_MS = 24 * 3600 * 1000;
const APP_VERSION = '1';
const LOCK = 'fieldapp-sync';

/** Events: "state" (detail: the last result) whenever a run ends or the outbox changes. */
export const syncEvents = new EventTarget();

let backoffMs = BACKOFF_START_MS;
let timer = null;
let inFlight = null;
let again = false;

/**
 * Return this browser's device id for `userId`, made once and kept in IndexedDB. The
 * server binds a device id to one user, so a phone shared by colleagues has one per user.
 * @param {number} userId
 * @param {{renew?: boolean}} [options] renew: replace the id (the server gave it to someone else)
 */
export async function deviceId(userId, { renew = false } = {}) {
  const key = `deviceId:${userId}`;
  const readOrMake = async () => {
    let id = renew ? null : await getMeta(key);
    if (!id) {
      id = crypto.randomUUID();
      await setMeta(key, id);
    }
    return id;
  };
  // One at a time, across tabs too: at the first sign-in the vault and the sync loop
  // ask together, and two ids meant a session bound to one and ended by the other.
  if (navigator.locks && navigator.locks.request) {
    return navigator.locks.request(`fieldapp-device-id:${userId}`, readOrMake);
  }
  const turn = (deviceIdTurns.get(userId) || Promise.resolve()).then(readOrMake, readOrMake);
  deviceIdTurns.set(userId, turn);
  return turn;
}

/** Callers of deviceId() in line, per user, where Web Locks are missing. */
const deviceIdTurns = new Map();

/**
 * Return a CSRF token, naming this browser's device id: the server binds the session to
 * it and refuses API calls of that session that do not name it. An id the server gave
 * to someone else (409) is replaced first.
 */
async function csrfFor(user) {
  try {
    return await freshCsrf(await deviceId(user.id));
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 409) throw err;
    return freshCsrf(await deviceId(user.id, { renew: true }));
  }
}

/** Register this browser for `user` (once) and return {id, csrf}: what the vault needs
 *  before it may ask the server for the device's wrapping key. */
export async function ensureDevice(user) {
  const csrf = await csrfFor(user);
  return { id: await register(user, csrf), csrf };
}

let registering = null;

/** Register once at a time (the sync loop and the vault may both ask at start-up). */
function register(user, csrf) {
  if (!registering) registering = registerNow(user, csrf).finally(() => { registering = null; });
  return registering;
}

async function registerNow(user, csrf) {
  let id = await deviceId(user.id);
  if ((await getMeta('deviceRegisteredFor')) === `${user.id}:${id}`) return id;
  const body = () => ({ device_id: id, app_version: APP_VERSION });
  try {
    await apiFetch('/api/v1/devices', { method: 'POST', csrf, deviceId: id, body: body() });
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== 409) throw err;
    id = await deviceId(user.id, { renew: true });
    await apiFetch('/api/v1/devices', { method: 'POST', csrf, deviceId: id, body: body() });
  }
  await setMeta('deviceRegisteredFor', `${user.id}:${id}`);
  return id;
}

/** Tell listeners (status line, other tabs) that the outbox or the sync state changed. */
export function announce(detail = {}) {
  syncEvents.dispatchEvent(new CustomEvent('state', { detail }));
  if ('BroadcastChannel' in self) {
    const channel = new BroadcastChannel('fieldapp');
    channel.postMessage({ type: 'state' });
    channel.close();
  }
}

/** Ask the service worker for a Background Sync (Chromium only; a no-op elsewhere). */
export async function registerBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.getRegistration();
    if (registration && registration.sync) await registration.sync.register(LOCK);
  } catch (err) {
    // Not supported or not allowed: the other triggers still run.
  }
}

function schedule(delayMs) {
  clearTimeout(timer);
  timer = setTimeout(() => { requestSync('timer'); }, delayMs);
}

/**
 * Run the sync now (or right after the current run): at most one run per page at a
 * time, and one sender across tabs.
 * @param {string} [reason] for the log only
 * @returns {Promise<object>} the result of the run: {ok, sent, rejected, authNeeded, error}
 */
export function requestSync(reason = 'manual') {
  if (inFlight) {
    again = true;
    return inFlight;
  }
  inFlight = (async () => {
    let result;
    do {
      again = false;
      result = await locked(reason);
    } while (again);
    return result;
  })().finally(() => { inFlight = null; });
  return inFlight;
}

function locked(reason) {
  if (navigator.locks && navigator.locks.request) return navigator.locks.request(LOCK, () => runOnce(reason));
  return runOnce(reason);
}

async function runOnce(reason) {
  const user = await getMeta('user');
  const result = { ok: false, reason, sent: [], rejected: [], authNeeded: false, error: null };
  if (!user) { result.ok = true; return result; }
  if (!navigator.onLine) { announce(result); return result; }
  try {
    const csrf = await csrfFor(user);
    await setMeta('authNeeded', false);
    const id = await register(user, csrf);
    await push(user, id, csrf, result);
    // A locked phone sends but does not pull: the caseload is stored encrypted.
    if (isUnlocked()) await pull(user, id, result);
    else result.pullSkipped = true;
    await setMeta('lastSyncAt', new Date().toISOString());
    result.ok = true;
    backoffMs = BACKOFF_START_MS;
    clearTimeout(timer);
    // Refused items are retried, but slowly: something the user cannot fix by waiting.
    if ((await sendable(user.id)).length) schedule(BACKOFF_MAX_MS);
  } catch (err) {
    await failed(err, result);
  }
  announce(result);
  return result;
}

async function push(user, id, csrf, result) {
  for (;;) {
    // Sealed items go as they are (the phone may be locked); older ones need the unlock.
    const items = (await sendable(user.id)).filter((r) => r.sealed || r.item);
    // Items sent once this run and refused again wait for the next run.
    const fresh = items.filter((r) => !result.tried || !result.tried.has(r.uuid));
    if (!fresh.length) return;
    const batch = fresh.slice(0, BATCH_SIZE);
    const everything = await list({ states: ['pending', 'refused', 'rejected'] });
    const body = {
      protocol: 1,
      device: {
        id,
        pending_count: everything.length,
        oldest_pending_at: everything.length ? everything[0].createdAt : null,
        app_version: APP_VERSION,
      },
      items: batch.map((r) => (r.sealed ? { uuid: r.uuid, sealed: r.sealed } : r.item)),
    };
    const response = await apiFetch('/api/v1/sync/push', { method: 'POST', body, csrf, deviceId: id });
    const summary = await applyResults(response.results || []);
    result.sent.push(...summary.sent);
    result.rejected.push(...summary.rejected);
    result.tried = result.tried || new Set();
    batch.forEach((r) => result.tried.add(r.uuid));
  }
}

async function pull(user, id, result) {
  const cursor = await getMeta('cursor');
  const query = cursor ? `?cursor=${encodeURIComponent(cursor)}` : '';
  // The device id goes with every pull, so a revoked phone wipes itself at its next
  // contact even when it has nothing to send.
  const data = await apiFetch(`/api/v1/sync/pull${query}`, { deviceId: id });
  if (data.user && String(data.user.id) !== String(user.id)) {
    // Someone else signed in on this device: main.js switches users on the next page.
    result.otherUser = data.user;
    return;
  }
  await applyPull(data);
  await setMeta('cursor', data.cursor);
  if (data.user) await setMeta('user', { ...user, ...data.user });
  if (typeof window !== 'undefined') await refreshPages(data);
}

async function refreshPages(data) {
  const forms = await all('forms');
  const courses = await all('courses');
  const languages = await getMeta('languages', []);
  const role = (await getMeta('user', {})).role;
  const withFamilies = !role || ['admin', 'coordinator', 'social_worker', 'psychologist'].includes(role);
  const urls = shellUrls(forms, courses, languages.length ? languages : [document.body.dataset.lang], withFamilies);
  const signature = JSON.stringify([urls, forms.map((f) => f.version)]);
  const fresh = (await getMeta('pagesSignature')) === signature
    && Date.now() - Date.parse(await getMeta('pagesAt', '1970-01-01')) < PAGES_MAX_AGE_MS;
  await cachePages(urls, { refresh: !fresh || Boolean(data.full) });
  await setMeta('pagesSignature', signature);
  if (!fresh) await setMeta('pagesAt', new Date().toISOString());
}

async function failed(err, result) {
  result.error = err;
  if (err instanceof ApiError && err.isAuth) {
    // Keep everything; the status line asks the user to sign in.
    result.authNeeded = true;
    await setMeta('authNeeded', true);
    return;
  }
  if (err instanceof ApiError && err.code === 403 && err.error === 'device_revoked') {
    forgetKey();
    await wipeEverything();
    await clearAllCaches();
    await setMeta('revokedAt', new Date().toISOString());
    result.revoked = true;
    return;
  }
  // Offline, dropped connection, server trouble: try again later, ever more slowly.
  schedule(backoffMs);
  backoffMs = Math.min(backoffMs * 2, BACKOFF_MAX_MS);
}
