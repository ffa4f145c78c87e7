// When the vault opens and closes: PIN chosen at the first sign-in on this phone, asked
// on opening offline, after the idle time, after the app was hidden that long; recovery
// through the server after a password sign-in; five wrong PINs delete the PIN wrapping.
// The data key crosses page loads only through the service worker's memory.
import { apiFetch } from './api.js';
import { t } from './i18n.js';
import { getMeta, encryptLegacy, setMeta, wipeUserData } from './local-db.js';
import { ensureDevice } from './sync.js';
import * as vault from './vault.js';

/** Wrong PINs after which the PIN-wrapped key is deleted. */
export const MAX_FAILURES = 5;
const DAY_MS = 24 * 3600 * 1000;
const body = document.body;
const metaKey = (userId) => `vault:${userId}`;

/** Return the vault record of `userId`: {serverWrapped, pin: {salt, iterations, wrapped}|null, failures, createdAt}. */
export function record(userId) { return getMeta(metaKey(userId)); }

function idleMs() {
  return Number(body.dataset.vaultIdle || 5) * 60 * 1000;
}

// ---- the service worker keeps the key between page loads of this tab's session ----
async function worker() {
  if (!('serviceWorker' in navigator)) return null;
  if (navigator.serviceWorker.controller) return navigator.serviceWorker.controller;
  const registration = await navigator.serviceWorker.getRegistration();
  return registration ? registration.active : null;
}

async function askWorker(userId) {
  const sw = await worker();
  if (!sw) return null;
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = (event) => resolve(event.data && event.data.userId === userId ? event.data.key : null);
    sw.postMessage({ type: 'VAULT_GET' }, [channel.port2]);
    setTimeout(() => resolve(null), 1000);
  });
}

async function tellWorker(message) {
  const sw = await worker();
  if (sw) sw.postMessage(message);
}

/** Forget the key here and in the worker (lock, quick exit, sign-out). */
export async function forget() {
  vault.forgetKey();
  await tellWorker({ type: 'VAULT_FORGET' });
}

// ---- flows ----
async function recoverFromServer(user) {
  const { id } = await ensureDevice(user);
  const answer = await apiFetch('/api/v1/vault', { deviceId: id });
  await setMeta('sealKey', answer.seal);
  const kek = await vault.serverKey(vault.unb64(answer.wrap_key));
  let rec = await record(user.id);
  if (rec) {
    try {
      vault.setKey(await vault.unwrap(kek, rec.serverWrapped));
      return rec;
    } catch {
      // Wrapped under a key the server no longer has (a revoked and wiped device).
    }
  }
  const key = await vault.newDataKey();
  vault.setKey(key);
  rec = { serverWrapped: await vault.wrap(kek, key), pin: null, failures: 0, createdAt: new Date().toISOString() };
  await setMeta(metaKey(user.id), rec);
  return rec;
}

/**
 * Try `pin`: 'ok' (unlocked), 'wrong', or 'lockedOut' (no PIN wrapping any more).
 * The fifth wrong PIN in a row deletes the PIN wrapping.
 */
export async function unlockWithPin(userId, pin) {
  const rec = await record(userId);
  if (!rec || !rec.pin) return 'lockedOut';
  try {
    const kek = await vault.pinKey(pin, vault.unb64(rec.pin.salt), rec.pin.iterations);
    vault.setKey(await vault.unwrap(kek, rec.pin.wrapped));
  } catch {
    rec.failures = (rec.failures || 0) + 1;
    if (rec.failures >= MAX_FAILURES) rec.pin = null;
    await setMeta(metaKey(userId), rec);
    return rec.pin ? 'wrong' : 'lockedOut';
  }
  if (rec.failures) { rec.failures = 0; await setMeta(metaKey(userId), rec); }
  return 'ok';
}

/** Wrap the (unlocked) data key with a new PIN; records are not re-encrypted. */
export async function setPin(userId, pin) {
  const rec = await record(userId);
  const salt = vault.random(16);
  const kek = await vault.pinKey(pin, salt);
  rec.pin = { salt: vault.b64(salt), iterations: vault.PIN_ITERATIONS, wrapped: await vault.wrap(kek) };
  rec.failures = 0;
  await setMeta(metaKey(userId), rec);
}

/** The words for pinProblem()'s answer. */
export function pinMessage(problem) {
  if (problem === 'same') return t('Do not use the same digit all through.');
  if (problem === 'run') return t('Do not use a straight run of digits such as 123456.');
  return t('Use at least 6 digits, or a passphrase of at least 8 characters.');
}

// ---- the lock screen ----
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function field(id, labelText, hintText = '') {
  const input = el('input', { id, type: 'password', autocomplete: 'off', required: true, inputMode: 'text' });
  input.setAttribute('autocapitalize', 'off');
  const parts = [el('label', { htmlFor: id, textContent: labelText })];
  if (hintText) {
    parts.push(el('p', { className: 'hint', id: `${id}-hint`, textContent: hintText }));
    input.setAttribute('aria-describedby', `${id}-hint`);
  }
  return { input, box: el('div', { className: 'field' }, ...parts, input) };
}

function hideApp(hidden) {
  for (const node of document.querySelectorAll('#main, nav.nav, #status, footer.foot')) node.hidden = hidden;
}

function screen(titleText, ...children) {
  document.getElementById('vault-lock')?.remove();
  const title = el('h1', { id: 'vault-title', textContent: titleText, tabIndex: -1 });
  const box = el('section', { id: 'vault-lock', className: 'vault-lock' }, title, ...children);
  box.setAttribute('role', 'dialog');
  box.setAttribute('aria-modal', 'true');
  box.setAttribute('aria-labelledby', 'vault-title');
  hideApp(true);
  document.documentElement.dataset.vault = 'locked';
  // A lock screen anywhere locks every page: the worker forgets the key it kept.
  if (!vault.isUnlocked()) tellWorker({ type: 'VAULT_FORGET' });
  document.querySelector('header.top').after(box);
  title.focus();
  return box;
}

function close() {
  document.getElementById('vault-lock')?.remove();
  hideApp(false);
}

function choosePin(user, { intro }) {
  return new Promise((resolve) => {
    const first = field('vault-new-pin', t('New PIN or passphrase'), t('At least 6 digits (not 123456 or 111111), or a passphrase of at least 8 characters.'));
    const second = field('vault-new-pin-2', t('The same again'));
    const error = el('p', { className: 'error', id: 'vault-error' });
    error.setAttribute('role', 'alert');
    const form = el('form', { id: 'vault-setup', noValidate: true }, first.box, second.box, error,
      el('button', { type: 'submit', className: 'button', textContent: t('Save the PIN') }));
    screen(t('Choose a PIN for this phone'), el('p', { textContent: intro }), form);
    first.input.focus();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const problem = vault.pinProblem(first.input.value);
      if (problem) { error.textContent = pinMessage(problem); first.input.focus(); return; }
      if (first.input.value !== second.input.value) { error.textContent = t('The two entries differ.'); second.input.focus(); return; }
      form.querySelector('button').disabled = true;
      await setPin(user.id, first.input.value);
      close();
      resolve();
    });
  });
}

function askPin(user) {
  return new Promise((resolve) => {
    const pin = field('vault-pin', t('PIN or passphrase'));
    const error = el('p', { className: 'error', id: 'vault-error' });
    error.setAttribute('role', 'alert');
    const button = el('button', { type: 'submit', className: 'button', textContent: t('Unlock') });
    const form = el('form', { id: 'vault-unlock', noValidate: true }, pin.box, error, button);
    screen(t('This phone is locked'), el('p', { textContent: t('The data on this phone is encrypted. Enter your PIN to open it.') }), form);
    pin.input.focus();
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      button.disabled = true;
      const verdict = await unlockWithPin(user.id, pin.input.value);
      button.disabled = false;
      if (verdict === 'ok') { close(); resolve(); return; }
      if (verdict === 'lockedOut') { lockedOut(); return; }
      pin.input.value = '';
      error.textContent = t('Wrong PIN.');
      pin.input.focus();
    });
  });
}

function lockedOut() {
  // Signed in already (a session older than the recovery window): sign out, then in.
  const logout = document.getElementById('logout-form');
  const link = logout
    ? el('button', { type: 'button', className: 'button', textContent: t('Sign out and sign in again'), onclick: () => logout.requestSubmit() })
    : el('a', { className: 'button', href: '/auth/login', textContent: t('Sign in') });
  screen(t('This phone is locked'),
    el('p', { textContent: t('The PIN was entered wrongly too many times, or this phone has no PIN yet. Sign in with your password while online to open the data again.') }),
    el('p', { textContent: t('Forms waiting to be sent are kept, and are sent when there is a connection.') }),
    el('p', {}, link));
}

let watching = false;
let lastActive = Date.now();
let lastTouch = 0;

/** Lock now: save the draft being typed, forget the key, reload (which asks the PIN). */
export async function lockNow() {
  const form = document.getElementById('fill-form');
  if (form && form.flushDraft) await form.flushDraft();
  await forget();
  hideApp(true);
  window.location.reload();
}

function watchIdle() {
  if (watching) return;
  watching = true;
  const active = () => {
    lastActive = Date.now();
    if (lastActive - lastTouch > 5000) {
      lastTouch = lastActive;
      tellWorker({ type: 'VAULT_TOUCH', at: lastActive });
    }
  };
  for (const name of ['pointerdown', 'keydown', 'input', 'scroll']) document.addEventListener(name, active, { passive: true, capture: true });
  let hiddenAt = null;
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'hidden') { hiddenAt = Date.now(); return; }
    if (hiddenAt && Date.now() - hiddenAt >= idleMs()) lockNow();
    hiddenAt = null;
  });
  setInterval(() => { if (vault.isUnlocked() && Date.now() - lastActive >= idleMs()) lockNow(); }, 1000);
}

async function afterUnlock(user, { handedOver = false } = {}) {
  lastActive = Date.now();
  document.documentElement.dataset.vault = 'open';
  watchIdle();
  if (handedOver) return; // the page that unlocked did the rest
  await tellWorker({ type: 'VAULT_PUT', userId: user.id, key: vault.currentKey(), at: lastActive, idleMs: idleMs() });
  await encryptLegacy();
  // A phone that has not reached the server for long forgets its caseload (not the outbox).
  const days = Number(body.dataset.vaultSilence || 30);
  const rec = await record(user.id);
  const last = Date.parse((await getMeta('lastSyncAt')) || (rec && rec.createdAt) || new Date().toISOString());
  if (Date.now() - last > days * DAY_MS) {
    await wipeUserData(user.id, { keepQueued: true });
    await setMeta('silenceWipedAt', new Date().toISOString());
  }
}

/**
 * Open the vault for `user` before the page shows people's data; resolves true once it
 * is open (it may wait for the user for ever: locked out, not set up), false on a
 * revoked and wiped device (nothing to open).
 * @param {{id: number}} user
 * @param {{live: boolean}} options live: a page from the server (the session is real)
 */
export async function gate(user, { live }) {
  if (vault.isUnlocked()) return true;
  // A revoked device wiped everything: nothing to open; the status line says why.
  if ((await getMeta('revokedAt')) && !(await record(user.id))) return false;
  const nav = performance.getEntriesByType('navigation')[0];
  if (!nav || nav.type !== 'reload') {
    const key = await askWorker(user.id);
    if (key) { vault.setKey(key); await afterUnlock(user, { handedOver: true }); return true; }
  }
  if (live && navigator.onLine && body.dataset.signedIn === 'fresh') {
    try {
      const rec = await recoverFromServer(user);
      if (!rec.pin) {
        await choosePin(user, { intro: t('The data on this phone is encrypted. Choose the PIN that opens it when you are offline or have been away.') });
      }
      await afterUnlock(user);
      return true;
    } catch (err) {
      // Too long since the password sign-in, or offline after all: ask for the PIN.
    }
  }
  const rec = await record(user.id);
  if (rec && rec.pin) {
    await askPin(user);
    await afterUnlock(user);
    return true;
  }
  lockedOut();
  await new Promise(() => {});
}

/** Enhance the settings block: last sync and changing the PIN. */
export async function enhanceSettings(box, user) {
  const last = await getMeta('lastSyncAt');
  const when = box.querySelector('[data-last-sync]');
  if (when) when.textContent = last ? new Date(last).toLocaleString(document.documentElement.lang) : t('never');
  const form = box.querySelector('[data-change-pin]');
  if (!form) return;
  form.hidden = false;
  const out = form.querySelector('[data-pin-message]');
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const [current, next, again] = ['#pin-current', '#pin-new', '#pin-again'].map((s) => form.querySelector(s));
    const rec = await record(user.id);
    try {
      const kek = await vault.pinKey(current.value, vault.unb64(rec.pin.salt), rec.pin.iterations);
      await vault.unwrap(kek, rec.pin.wrapped);
    } catch {
      out.textContent = t('Wrong PIN.');
      current.focus();
      return;
    }
    const problem = vault.pinProblem(next.value);
    if (problem) { out.textContent = pinMessage(problem); next.focus(); return; }
    if (next.value !== again.value) { out.textContent = t('The two entries differ.'); again.focus(); return; }
    await setPin(user.id, next.value);
    form.reset();
    out.textContent = t('The PIN was changed.');
  });
}
