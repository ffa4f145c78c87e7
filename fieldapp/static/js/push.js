// Web Push on/off for this device: subscribe with the server's VAPID key, tell the
// server (POST/DELETE /api/v1/push/subscriptions). Used by /settings/notifications.

import { t } from './i18n.js';

const KEY_URL = '/api/v1/push/key';
const SUBSCRIPTIONS_URL = '/api/v1/push/subscriptions';

/** True when this browser can receive Web Push at all. */
export function isSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.content : '';
}

/**
 * Return this device's id for the signed-in user if the sync code made one (never makes
 * one itself). The session is bound to it: API calls must name it.
 */
async function knownDeviceId() {
  try {
    const { getMeta } = await import('./local-db.js');
    const user = await getMeta('user');
    return (user && (await getMeta(`deviceId:${user.id}`))) || '';
  } catch {
    return '';
  }
}

async function callApi(method, url, body) {
  const headers = { Accept: 'application/json', 'X-CSRFToken': csrfToken() };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const deviceId = await knownDeviceId();
  if (deviceId) headers['X-Device-Id'] = deviceId;
  const response = await fetch(url, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch { data = {}; }
  if (!response.ok) {
    const error = new Error(data.message || `HTTP ${response.status}`);
    error.code = response.status;
    error.error = data.error || '';
    error.isApi = true;
    throw error;
  }
  return data;
}

function decodeKey(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/')
    + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((value, i) => value === bytes[i]);
}

/** Return this device's current subscription, or null. */
export async function currentSubscription() {
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

/**
 * Ask for permission, subscribe with the server's key and register the subscription.
 * @returns {Promise<PushSubscription>}
 * @throws {Error} with .reason "unsupported" | "denied" | "not_configured" | the API error
 */
export async function subscribe() {
  if (!isSupported()) throw Object.assign(new Error('unsupported'), { reason: 'unsupported' });
  const permission = await Notification.requestPermission();
  if (permission !== 'granted') {
    const reason = permission === 'denied' ? 'denied' : 'dismissed';
    throw Object.assign(new Error(reason), { reason });
  }
  let publicKey;
  try {
    ({ publicKey } = await callApi('GET', KEY_URL));
  } catch (error) {
    throw Object.assign(error, { reason: error.code === 503 ? 'not_configured' : 'api' });
  }
  const key = decodeKey(publicKey);
  const registration = await navigator.serviceWorker.ready;
  let subscription = await registration.pushManager.getSubscription();
  // The server's key changed (new VAPID keys): the old subscription can never work.
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    subscription = await registration.pushManager.subscribe({
      userVisibleOnly: true, applicationServerKey: key,
    });
  }
  await callApi('POST', SUBSCRIPTIONS_URL, subscription.toJSON());
  return subscription;
}

/** Stop notifications on this device, here and on the server. */
export async function unsubscribe() {
  const subscription = await currentSubscription();
  if (!subscription) return;
  const { endpoint } = subscription;
  await subscription.unsubscribe();
  await callApi('DELETE', SUBSCRIPTIONS_URL, { endpoint });
}

function setStatus(text) {
  const status = document.getElementById('push-status');
  if (status) status.textContent = text;
}

function explain(error) {
  switch (error.reason) {
    case 'unsupported':
      return t('This browser cannot receive notifications. On iPhone, add fieldapp to the Home Screen first.');
    case 'denied':
      return t('Notifications are blocked for this site. Allow them in the browser settings, then try again.');
    case 'dismissed':
      return t('Notifications were not allowed. Try again and choose Allow.');
    case 'not_configured':
      return t('Notifications are not set up on this server yet.');
    default:
      if (error.isApi && error.code === 401) return t('Please sign in again, then try again.');
      if (error instanceof TypeError) {
        return t('No connection. Try again when you are online.');
      }
      // API errors carry a message in the user's language; browser errors do not.
      if (error.isApi && error.message) return error.message;
      return t('Notifications could not be turned on here. Please try again later.');
  }
}

async function initSwitch(toggle) {
  if (!isSupported()) {
    setStatus(explain({ reason: 'unsupported' }));
    return;
  }
  if (toggle.dataset.configured !== 'true') {
    setStatus(explain({ reason: 'not_configured' }));
    return;
  }
  if (Notification.permission === 'denied') setStatus(explain({ reason: 'denied' }));
  const subscription = await currentSubscription();
  toggle.checked = Boolean(subscription) && Notification.permission === 'granted';
  toggle.disabled = false;
  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      if (toggle.checked) {
        await subscribe();
        setStatus(t('Notifications are on for this device.'));
      } else {
        await unsubscribe();
        setStatus(t('Notifications are off for this device.'));
      }
    } catch (error) {
      toggle.checked = Boolean(await currentSubscription().catch(() => null));
      setStatus(explain(error));
    } finally {
      toggle.disabled = false;
    }
  });
}

const toggle = document.getElementById('push-switch');
if (toggle) {
  initSwitch(toggle).catch((error) => setStatus(explain(error)));
}
