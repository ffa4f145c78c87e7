// What the user sees about the outbox: online or offline, how many forms wait and for how
// long, the last successful sync, sign-in and storage warnings, and an alarm after 72 hours.
import { formatDateTime, formatTime, nt, t } from './i18n.js';
import { all, getMeta, setMeta } from './local-db.js';
import { list } from './outbox.js';

/** An item waiting longer than this (hours) raises the alarm. */
export const ALARM_HOURS = 72;
/** Warn when more than this share of the storage quota is used (0..1). */
export const STORAGE_WARN_RATIO = 0.8;

const HOUR_MS = 3600 * 1000;
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

function timeText(iso) {
  const sameDay = new Date(iso).toDateString() === new Date().toDateString();
  return sameDay ? formatTime(iso) : formatDateTime(iso);
}

/** Return "just now", "N minutes ago", "N hours ago" or "N days ago" for an ISO time. */
export function ageText(iso, now = Date.now()) {
  const minutes = Math.floor((now - Date.parse(iso)) / 60000);
  if (minutes < 1) return t('just now');
  if (minutes < 60) return nt('%(num)d minute ago', '%(num)d minutes ago', minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return nt('%(num)d hour ago', '%(num)d hours ago', hours);
  const days = Math.floor(hours / 24);
  return nt('%(num)d day ago', '%(num)d days ago', days);
}

function alarmBox() {
  let box = document.getElementById('sync-alarm');
  if (!box) {
    box = el('div', { id: 'sync-alarm', className: 'status is-alarm', hidden: true });
    box.setAttribute('role', 'alert');
    document.getElementById('status').after(box);
  }
  return box;
}

let expanded = false; // the status line's details, open or closed, for this page
let shown = ''; // what #status shows now: re-rendered only when it changes
let storageHere = null; // the storage warning this page shows on its line ('' none)

/**
 * Render #status (one line, expandable), the 72-hour alarm and #outbox-summary from
 * IndexedDB. The line keeps the height base.html reserves for it: no layout shift.
 * @param {{updateReady?: boolean, onReload?: Function}} [extra] updateReady: show the
 *   "new version" line with a Reload button that calls onReload
 */
export async function renderStatus(extra = {}) {
  const status = document.getElementById('status');
  if (!status) return;
  const user = await getMeta('user');
  const userId = user ? user.id : null;
  const waiting = userId === null ? [] : await list({ userId });
  const pending = waiting.filter((r) => r.state !== 'rejected');
  const rejected = waiting.filter((r) => r.state === 'rejected');
  const online = navigator.onLine;
  const last = await getMeta('lastSyncAt');
  const revoked = await getMeta('revokedAt');
  const authNeeded = (await getMeta('authNeeded')) && pending.length;
  const storage = (await getMeta('storageFull')) ? 'full' : (await getMeta('persistRefused')) ? 'persist' : '';
  // The storage warning is shown on the line once (then only in the details).
  // Decided once per page: the line does not change under the reader's eyes.
  if (storageHere === null) storageHere = storage && (await getMeta('storageNoticeSeen')) !== storage ? storage : '';
  const storageOnLine = Boolean(storageHere) && storageHere === storage;

  // The details, opened from the line.
  const lines = [];
  lines.push(el('p', { textContent: online ? t('Online') : t('Offline: what you save stays on this phone.') }));
  if (pending.length) {
    lines.push(el('p', { textContent: `${nt('%(num)d form waiting to be sent', '%(num)d forms waiting to be sent', pending.length)} · ${t('oldest: %(age)s', { age: ageText(pending[0].createdAt) })}` }));
  }
  if (rejected.length) lines.push(el('p', {}, el('a', { href: '/outbox', textContent: nt('%(num)d form needs corrections', '%(num)d forms need corrections', rejected.length) })));
  if (last) lines.push(el('p', { className: 'muted-line', textContent: t('Last sync: %(time)s', { time: timeText(last) }) }));
  if (revoked) lines.push(el('p', { textContent: t('An administrator removed this device. Its saved data was deleted.') }));
  if (storage === 'persist') lines.push(el('p', { textContent: t('This browser may delete saved forms when space is short. Add the app to the home screen to keep them safe.') }));
  if (storage === 'full') lines.push(el('p', { textContent: t('Storage on this phone is almost full. Send your forms soon and free some space.') }));
  if (storage) lines.push(el('p', {}, el('a', { href: '/settings/phone#storage', textContent: t('How to keep saved forms safe') })));
  lines.push(el('p', {}, el('a', { href: '/outbox', textContent: t('Waiting and sent forms') })));

  // The one line: where things stand, and the one thing to do now, if any.
  const parts = [online ? t('Online') : t('Offline')];
  if (pending.length) parts.push(nt('%(num)d form waiting', '%(num)d forms waiting', pending.length));
  else if (last && online) parts.push(t('Last sync: %(time)s', { time: timeText(last) }));
  let action = null;
  let kind = '';
  if (revoked) {
    parts.splice(0, parts.length, t('An administrator removed this device. Its saved data was deleted.'));
  } else if (authNeeded) {
    const next = encodeURIComponent(location.pathname + location.search);
    action = el('a', { href: `/auth/login?next=${next}`, textContent: nt('Sign in to send %(num)d form', 'Sign in to send %(num)d forms', pending.length) });
  } else if (extra.updateReady) {
    const button = el('button', { type: 'button', className: 'button-secondary', textContent: t('Reload') });
    button.dataset.reload = '';
    button.addEventListener('click', () => extra.onReload && extra.onReload());
    parts.push(t('A new version is ready.'));
    action = button;
  } else if (rejected.length) {
    action = el('a', { href: '/outbox', textContent: nt('%(num)d form needs corrections', '%(num)d forms need corrections', rejected.length) });
  } else if (storageOnLine) {
    kind = 'storage';
    action = el('a', { href: '/settings/phone#storage', textContent: storage === 'full' ? t('Storage almost full') : t('Keep saved forms safe') });
    action.addEventListener('click', () => setMeta('storageNoticeSeen', storage));
  }
  // With something to do, the line says only online or offline, and the action.
  if (action && !revoked && !extra.updateReady) parts.splice(1);
  const signature = JSON.stringify([parts, action && action.textContent, kind, lines.map((l) => l.textContent), pending.length, rejected.length, online]);
  if (signature !== shown) {
    shown = signature;
    const toggle = el('button', { type: 'button', className: 'status-toggle', textContent: t('Details') });
    toggle.setAttribute('aria-expanded', String(expanded));
    toggle.setAttribute('aria-controls', 'status-more');
    const more = el('div', { id: 'status-more', className: 'status-more', hidden: !expanded }, ...lines);
    toggle.addEventListener('click', () => {
      expanded = !expanded;
      toggle.setAttribute('aria-expanded', String(expanded));
      more.hidden = !expanded;
    });
    const line = el('div', { className: 'status-line' }, el('span', { className: 'status-text', textContent: parts.join(' · ') }));
    if (action) line.append(action);
    line.append(toggle);
    if (kind) line.dataset.kind = kind;
    status.replaceChildren(line, more);
  }
  // Seen on this page: the next pages keep the warning in the details only.
  if (storageOnLine) await setMeta('storageNoticeSeen', storage);
  status.classList.toggle('is-online', online && !pending.length && !rejected.length && !revoked);
  status.hidden = false;

  const old = pending.filter((r) => Date.now() - Date.parse(r.createdAt) > ALARM_HOURS * HOUR_MS);
  const alarm = alarmBox();
  alarm.hidden = !old.length;
  alarm.replaceChildren(...(old.length ? [el('p', { textContent: nt(
    '%(num)d form has waited more than 3 days. Connect to the internet and open the app, or tell your coordinator.',
    '%(num)d forms have waited more than 3 days. Connect to the internet and open the app, or tell your coordinator.',
    old.length) })] : []));

  await renderSummary(waiting, userId);
}

async function renderSummary(waiting, userId) {
  const box = document.getElementById('outbox-summary');
  if (!box) return;
  const receipts = (userId === null ? [] : await all('receipts', 'byUser', userId))
    .sort((a, b) => (a.sentAt < b.sentAt ? 1 : -1)).slice(0, 5);
  const children = [];
  if (!waiting.length) children.push(el('p', { className: 'muted', textContent: t('Nothing is waiting to be sent.') }));
  else {
    children.push(el('ul', { className: 'list' }, ...waiting.map((r) => el('li', {},
      el('strong', { textContent: r.label || r.item.form_id }), ' ',
      el('span', { className: 'muted', textContent: r.state === 'rejected' ? t('needs corrections') : t('saved %(age)s', { age: ageText(r.createdAt) }) })))));
  }
  if (receipts.length) {
    children.push(el('ul', { className: 'list' }, ...receipts.map((r) => el('li', {},
      el('strong', { textContent: r.label || r.formId }), ' ',
      el('span', { className: 'muted', textContent: r.receipt ? t('sent %(time)s, receipt no. %(number)s', { time: timeText(r.sentAt), number: r.receipt.server_id }) : t('sent %(time)s', { time: timeText(r.sentAt) }) })))));
  }
  children.push(el('p', {}, el('a', { href: '/outbox', textContent: t('Waiting and sent forms') })));
  box.replaceChildren(...children);
}

/** Ask the browser to keep our storage, and check how full it is; results go to meta. */
export async function checkStorage(setMeta) {
  if (!navigator.storage) return;
  if (navigator.storage.persist && !(await navigator.storage.persisted())) {
    await setMeta('persistRefused', !(await navigator.storage.persist()));
  } else {
    await setMeta('persistRefused', false);
  }
  if (navigator.storage.estimate) {
    const { usage, quota } = await navigator.storage.estimate();
    await setMeta('storageFull', Boolean(quota) && usage / quota > STORAGE_WARN_RATIO);
  }
}
