// The /outbox page and the offline start page, both filled from IndexedDB: waiting,
// rejected (with their errors and a way to fix them), drafts, receipts; forms to fill offline.
import { labelOf } from './form-fields.js';
import { formatDateTime, t } from './i18n.js';
import { all, get } from './local-db.js';
import { list } from './outbox.js';
import { ageText } from './status.js';
import { requestSync } from './sync.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** Return the address of a form page for `record` with `param`=uuid (fix or draft). */
export function reopenUrl(record, param) {
  const url = new URL(record.url || `/forms/${record.item.form_id}`, location.origin);
  for (const drop of ['shell', 'lang', 'fix', 'draft']) url.searchParams.delete(drop);
  url.searchParams.set(param, record.uuid);
  return url.pathname + url.search;
}

// The server's errors by answer path, named by their questions in the interface
// language ("Members present: This field is required."), never by field ids.
function errorList(errors, def, lang) {
  const items = [];
  for (const [path, issues] of Object.entries(errors || {})) {
    const label = labelOf(def, path, lang, document.createElement('div'));
    for (const issue of issues) {
      const li = el('li', {}, el('strong', { textContent: label }), `: ${issue.message || issue.code}`);
      li.dataset.errorPath = path;
      items.push(li);
    }
  }
  return el('ul', {}, ...items);
}

/**
 * Fill the /outbox page for `userId`.
 * @param {Element} root [data-outbox-page]
 * @param {number|null} userId
 */
export async function renderOutboxPage(root, userId) {
  const records = userId === null ? [] : await list({ userId });
  const drafts = (await all('drafts')).filter((d) => d.authorId === userId);
  const receipts = userId === null ? [] : (await all('receipts', 'byUser', userId)).sort((a, b) => (a.sentAt < b.sentAt ? 1 : -1));
  const waiting = root.querySelector('[data-outbox-waiting]');
  const rejected = root.querySelector('[data-outbox-rejected]');
  const sent = root.querySelector('[data-outbox-sent]');
  const empty = (text) => el('li', { className: 'muted', textContent: text });

  const waitingItems = records.filter((r) => r.state !== 'rejected').map((r) => el('li', {},
    el('strong', { textContent: r.label || r.item.form_id }),
    el('span', { className: 'muted', textContent: ` ${t('saved %(age)s', { age: ageText(r.createdAt) })}` }),
    r.message ? el('p', { className: 'hint', textContent: r.message }) : ''));
  const draftItems = drafts.map((d) => el('li', {},
    el('strong', { textContent: d.label || d.formId }),
    el('span', { className: 'muted', textContent: ` ${t('draft, not sent')} ` }),
    el('a', { href: reopenUrl(d, 'draft'), textContent: t('Continue') })));
  waiting.replaceChildren(...waitingItems, ...draftItems);
  if (!waiting.children.length) waiting.append(empty(t('Nothing is waiting to be sent.')));

  const lang = document.body.dataset.lang || 'sq';
  const rejectedRecords = records.filter((r) => r.state === 'rejected');
  const defs = new Map();
  for (const r of rejectedRecords) if (!defs.has(r.item.form_id)) defs.set(r.item.form_id, await get('forms', r.item.form_id));
  rejected.replaceChildren(...rejectedRecords.map((r) => {
    const li = el('li', {}, el('strong', { textContent: r.label || r.item.form_id }),
      el('p', { textContent: r.message || t('The server found problems in this form.') }),
      errorList(r.errors, defs.get(r.item.form_id), lang),
      el('a', { className: 'button-secondary', href: reopenUrl(r, 'fix'), textContent: t('Open to correct') }));
    li.dataset.rejected = r.uuid;
    return li;
  }));
  if (!rejected.children.length) rejected.append(empty(t('None.')));

  sent.replaceChildren(...receipts.map((r) => {
    const when = formatDateTime(r.sentAt);
    const text = r.receipt ? t('Receipt number %(number)s, sent %(time)s', { number: r.receipt.server_id, time: when }) : t('Sent %(time)s', { time: when });
    const li = el('li', {}, el('strong', { textContent: r.label || r.formId }), el('span', { className: 'muted', textContent: ` ${text}` }));
    li.dataset.receipt = r.uuid;
    return li;
  }));
  if (!sent.children.length) sent.append(empty(t('Nothing sent from this phone yet.')));

  const button = root.querySelector('[data-sync-now]');
  if (button && !button.dataset.bound) {
    button.dataset.bound = '1';
    button.addEventListener('click', () => requestSync('button'));
  }
}

/**
 * Fill the offline start page with the forms kept on this device.
 * @param {Element} root [data-offline-page]
 * @param {string} lang interface language
 */
export async function renderOfflineForms(root, lang) {
  const forms = await all('forms');
  const courses = await all('courses');
  const listEl = root.querySelector('[data-offline-form-list]');
  if (!listEl || !forms.length) return;
  const cards = [];
  for (const form of forms) {
    const title = form.title[lang] || form.title.sq;
    const targets = form.subject === 'course_session'
      ? courses.map((c) => [`/forms/${form.id}?course=${c.id}`, c.name])
      : [[`/forms/${form.id}`, '']];
    for (const [href, sub] of targets) {
      cards.push(el('li', {}, el('a', { className: 'card', href }, el('strong', { textContent: title }), sub ? el('span', { textContent: sub }) : '')));
    }
  }
  listEl.replaceChildren(...cards);
  root.querySelector('[data-offline-forms]').hidden = false;
}
