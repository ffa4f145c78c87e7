/** Page start-up: service worker, sync triggers, status line, form page, sign-out guard
 *  (quick exit lives in quick-exit.js). */
import { renderCoursePage } from './course-page.js';
import { renderFamilies, renderFamily, renderMyWork, renderStart } from './lookup-page.js';
import { enhanceForm } from './form-page.js';
import { enhanceSettings, gate } from './lock.js';
import { renderOfflineForms, renderOutboxPage } from './outbox-page.js';
import { guardLogout, identify, offerKnownDevices } from './session.js';
import { renderStatus } from './status.js';
import { registerBackgroundSync, requestSync, syncEvents } from './sync.js';
import { isUnlocked } from './vault.js';
import { t } from './i18n.js';
import { get } from './local-db.js';

const body = document.body;
document.documentElement.classList.add('js');
const form = document.getElementById('fill-form');
const offlinePage = document.querySelector('[data-offline-page]');
const outboxPage = document.querySelector('[data-outbox-page]');
const courseShell = document.querySelector('[data-course-shell]');
const phonePage = document.querySelector('[data-phone-settings]');
// Look-up pages kept offline (start, families, a family): filled from IndexedDB.
const lookupShell = document.querySelector('[data-lookup-shell]');
// "My work" kept offline: filled from the pulled due list, again whenever the outbox changes.
const myWorkShell = document.querySelector('[data-my-work-shell]');
const outboxShell = Boolean(outboxPage && outboxPage.dataset.shell);
// These pages may come from the offline cache: their data-user may be stale.
const live = !offlinePage && !courseShell && !lookupShell && !outboxShell && !(form && form.dataset.shell);
let updateReady = false;
let reloading = false;
let user = null;
let revoked = false; // a revoked, wiped device: no vault, the status line says why

async function refresh() {
  if (user && !isUnlocked() && !revoked) return; // nothing about people shows while locked
  await renderStatus({ updateReady, onReload: applyUpdate });
  if (outboxPage) await renderOutboxPage(outboxPage, user ? user.id : null);
  if (myWorkShell && user && !revoked) await renderMyWork(myWorkShell, user);
}

async function applyUpdate() {
  // Drafts are saved as the user types; flush the last keystrokes before reloading.
  if (form && form.flushDraft) await form.flushDraft();
  const registration = await navigator.serviceWorker.getRegistration();
  if (registration && registration.waiting) {
    reloading = true;
    registration.waiting.postMessage({ type: 'SKIP_WAITING' });
  } else {
    window.location.reload();
  }
}

function watchUpdates(registration) {
  const ready = () => { updateReady = true; refresh(); };
  if (registration.waiting && navigator.serviceWorker.controller) ready();
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && navigator.serviceWorker.controller) ready();
    });
  });
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    if (reloading) window.location.reload();
  });
}

async function startWorker() {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data && event.data.type === 'SYNC') {
      const port = event.ports[0];
      requestSync('background-sync').then((r) => port && port.postMessage({ ok: r.ok }));
    }
  });
  try {
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    watchUpdates(registration);
    // The worker claims open pages when it activates, but Chromium skips a page whose
    // navigation (the redirect after signing in) was under way at that moment; such a
    // page asks again, or it would go uncontrolled until the next navigation.
    const ready = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller && ready.active) {
      ready.active.postMessage({ type: 'CLAIM' });
    }
  } catch (err) {
    // No worker (private mode, old browser): the app still works online.
  }
}

/** A page that stood in for the real one offline gives way to it once the server answers
 *  (the `online` event may come before the network is usable: ask until it answers). */
async function backToTheRealPage(tries = 10) {
  try {
    const response = await fetch(window.location.href, { method: 'HEAD', cache: 'no-store', credentials: 'same-origin' });
    if (response.status < 500) {
      // Not reload(): a reload is how the vault locks (lock.js asks for the PIN then).
      window.location.replace(window.location.href);
      return;
    }
  } catch (err) { /* not yet */ }
  if (tries > 1 && navigator.onLine) setTimeout(() => backToTheRealPage(tries - 1), 1000);
}

/** A form kept offline, opened for a family (?family=): its way up leads to that family. */
async function upToFamily() {
  const id = new URLSearchParams(location.search).get('family');
  const link = document.querySelector('a[data-up]');
  if (!id || !link) return;
  const family = await get('families', id);
  link.href = `/families/${encodeURIComponent(id)}`;
  link.lastChild.textContent = ` ${family ? family.name : t('Family')}`;
}

async function start() {
  startWorker();
  const deviceIds = document.getElementById('device_ids');
  if (deviceIds) offerKnownDevices(deviceIds);
  user = await identify(live);
  if (live && user) {
    const logout = document.getElementById('logout-form');
    if (logout) guardLogout(logout);
  }
  syncEvents.addEventListener('state', (event) => {
    const { error } = event.detail || {};
    if (error && !error.isAuth) registerBackgroundSync();
    refresh();
  });
  if ('BroadcastChannel' in window) new BroadcastChannel('fieldapp').addEventListener('message', refresh);
  window.addEventListener('online', () => {
    // A page that stood in for the real one offline gives way to it once connected.
    // The offline page stood in for a page the phone does not keep: fetch that one now.
    // (The look-up pages kept offline stay: they work online too, and may be in use.)
    if (offlinePage) {
      offlinePage.dataset.connected = '1';
      backToTheRealPage();
      return;
    }
    refresh();
    requestSync('online');
  });
  window.addEventListener('offline', refresh);
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') requestSync('visible');
  });
  // A locked phone still sends (outbox items are sealed to the server), then waits for
  // the PIN before anything about people is read or shown.
  if (user) {
    requestSync('start');
    // A signed-out page from the server (sign-in) shows nobody's data: no lock screen
    // over it, and the vault stays closed.
    if (!live || body.dataset.user) revoked = !(await gate(user, { live }));
  }
  await refresh();
  if (phonePage && user && !revoked) await enhanceSettings(phonePage, user);
  if (form && user && !revoked) {
    await enhanceForm(form, { user, lang: body.dataset.lang });
    document.addEventListener('fieldapp:queued', () => { registerBackgroundSync(); refresh(); });
  }
  if (offlinePage) {
    await renderOfflineForms(offlinePage, body.dataset.lang);
    // Served in place of the start page: its link to the start page would lead here again.
    const home = offlinePage.querySelector('[data-start-link]');
    if (home && location.pathname === '/') home.hidden = true;
  }
  if (form && form.dataset.shell && user && !revoked) await upToFamily();
  if (lookupShell && user && !revoked) {
    const start = document.querySelector('[data-start-shell]');
    if (start) {
      await renderOfflineForms(start, body.dataset.lang);
      await renderStart(start, user);
    }
    const families = document.querySelector('[data-families-shell]');
    if (families) await renderFamilies(families, user);
    const family = document.querySelector('[data-family-shell]');
    if (family) await renderFamily(family, user);
  }
  if (courseShell && !revoked) await renderCoursePage(courseShell);
  requestSync('start');
  // Ages in the status line grow while the page stays open.
  setInterval(refresh, 60 * 1000);
}

start();
