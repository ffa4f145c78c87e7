// Who uses this device: remember the signed-in user (from live pages only: a cached page
// may be older than the session), switch users cleanly, and sign out without losing work.
import { nt, t } from './i18n.js';
import { all, getMeta, setMeta, wipeUserData } from './local-db.js';
import { list } from './outbox.js';
import { clearPages, rememberLanguage } from './page-cache.js';
import { checkStorage } from './status.js';
import { requestSync } from './sync.js';

/** How long sign-out waits for a last sync attempt, in milliseconds. */
const LOGOUT_SYNC_WAIT_MS = 5000;
// How long the sign-out waits for the server to answer before saying it needs a connection.
const REACHABLE_WAIT_MS = 4000;
/** Milliseconds sign-out waits for the push unsubscription before going on anyway. */
const PUSH_UNSUBSCRIBE_WAIT_MS = 2000;

/**
 * Return the user this device works for, updating it from a live page.
 * @param {boolean} live false for pages that may come from the offline cache
 * @returns {Promise<{id: number}|null>}
 */
export async function identify(live) {
  const body = document.body;
  let user = await getMeta('user');
  if (!live || !body.dataset.user) return user;
  const pageUser = Number(body.dataset.user);
  if (!user || user.id !== pageUser) {
    if (user) {
      // Another person signed in: the previous caseload and pages must not show.
      await wipeUserData(user.id, { keepQueued: true });
      await clearPages();
    }
    user = { id: pageUser };
    await setMeta('user', user);
    await checkStorage(setMeta);
  }
  await setMeta('authNeeded', false);
  const lang = body.dataset.lang;
  const languages = await getMeta('languages', []);
  if (!languages.includes(lang)) await setMeta('languages', [...languages, lang]);
  await rememberLanguage(lang);
  return user;
}

/** The most device ids the login form sends (the server reads no more than 10). */
const MAX_DEVICE_IDS = 10;

/**
 * Fill the sign-in form's hidden `device_ids` with the ids this browser was given, one
 * per user who worked on it (sync.js deviceId, meta "deviceId:<userId>"; sign-out keeps
 * them). A login from a device registered to that user is throttled apart from
 * strangers' failed attempts. Without script (or IndexedDB) the field stays empty and
 * signing in works the same.
 * @param {HTMLInputElement} input
 */
export async function offerKnownDevices(input) {
  try {
    const rows = await all('meta');
    const ids = rows
      .filter((row) => String(row.key).startsWith('deviceId:') && typeof row.value === 'string')
      .map((row) => row.value);
    input.value = ids.slice(0, MAX_DEVICE_IDS).join(',');
  } catch {
    // Private mode or storage refused: nothing to offer.
  }
}

/** Return the forms and drafts of `userId` that have not reached the server. */
export async function unsentCount(userId) {
  const queued = await list({ userId });
  const drafts = await all('drafts');
  return queued.length + drafts.filter((d) => d.authorId === userId).length;
}

/**
 * Intercept the sign-out form: try to send first; with unsent work, warn and keep it;
 * then forget the caseload and cached pages, and sign out.
 * @param {HTMLFormElement} form #logout-form
 */
/** True when the server answers within a few seconds (navigator.onLine can be wrong). */
async function reachable() {
  if (!navigator.onLine) return false;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), REACHABLE_WAIT_MS);
  try {
    const response = await fetch('/healthz', { cache: 'no-store', signal: controller.signal });
    return response.ok;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}

export function guardLogout(form) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Signing out ends the session on the server: without a connection the browser
    // would only show its own "no internet" page, and the session would go on.
    if (!(await reachable())) {
      window.alert(t('Signing out needs a connection. Nothing was changed, and your forms stay on this phone. Try again when you are online.'));
      return;
    }
    const user = await getMeta('user');
    if (user) {
      if (navigator.onLine) {
        await Promise.race([requestSync('logout'), new Promise((r) => { setTimeout(r, LOGOUT_SYNC_WAIT_MS); })]);
      }
      const n = await unsentCount(user.id);
      if (n && !window.confirm(nt(
        '%(num)d form has not been sent yet. It stays on this phone and will be sent after you sign in again on this phone. Sign out anyway?',
        '%(num)d forms have not been sent yet. They stay on this phone and will be sent after you sign in again on this phone. Sign out anyway?',
        n))) return;
      await wipeUserData(user.id, { keepQueued: n > 0 });
      const { forget } = await import('./lock.js');
      await forget();
      await clearPages();
      await setMeta('user', null);
    }
    // On a shared phone the next person must not get this user's reminders: stop them
    // here and on the server (best effort, never blocking the sign-out for long).
    try {
      const push = await import('./push.js');
      if (push.isSupported()) {
        await Promise.race([push.unsubscribe(), new Promise((r) => { setTimeout(r, PUSH_UNSUBSCRIBE_WAIT_MS); })]);
      }
    } catch {
      // Offline or no permission: the server drops the subscription when the next
      // user subscribes this device, and a dead one at the next send.
    }
    HTMLFormElement.prototype.submit.call(form);
  });
}
