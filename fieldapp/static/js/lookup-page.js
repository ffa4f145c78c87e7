// The look-up pages kept for offline use (?shell=1 copies, no people's data in any cache):
// the start page, the families list and a family page, filled here from what the phone
// pulled (IndexedDB, decrypted by the vault once unlocked) and what waits in its outbox.
import { dueNow, localToday } from './due.js';
import { pickableFamilies } from './form-page.js';
import { formatDate, nt, t } from './i18n.js';
import { all, get } from './local-db.js';
import { list } from './outbox.js';

const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/** "2026-01-15" → "15.01.2026" (the day as written, no time zone shift); "–" if none. */
export function dayText(day) {
  const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(day || '');
  return match ? `${match[3]}.${match[2]}.${match[1]}` : '–';
}

/** Fold a name for search: lower case, no diacritics (ë → e, č → c). */
function fold(text) {
  return String(text || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
}

/** The latest of ISO days (null when none). */
function latest(...days) {
  return days.filter(Boolean).sort().pop() || null;
}

/** The family with `id` as the phone knows it: pulled, or registered by a queued intake. */
async function familyOnPhone(userId, id) {
  const pulled = await get('families', id);
  if (pulled) return pulled;
  return (await pickableFamilies(userId)).find((f) => f.id === id) || null;
}

/** Visits and sessions for `familyId` still in the outbox: they count before the server has them. */
async function queuedDays(userId, familyId) {
  const out = { visit: null, session: null };
  for (const record of await list({ userId })) {
    const item = record.item;
    if (!item || item.subject_id !== familyId) continue;
    // The completion day, as the server counts it (answers may nest dates in groups).
    const day = (item.completed_at || record.createdAt || '').slice(0, 10);
    if (item.form_id === 'home_visit') out.visit = latest(out.visit, day);
    if (item.form_id === 'psych_support') out.session = latest(out.session, day);
  }
  return out;
}

/**
 * Fill the start page shell: the families link with its count (forms and the outbox
 * summary are filled by outbox-page.js and status.js).
 * @param {HTMLElement} root [data-start-shell]
 * @param {{id: number}} user
 */
export async function renderStart(root, user) {
  const link = root.querySelector('[data-family-count]');
  if (!link) return;
  const families = await pickableFamilies(user.id);
  link.textContent = nt('%(num)d active family', '%(num)d active families', families.length);
}

/**
 * Fill the families list shell, with a search by name.
 * @param {HTMLElement} root [data-families-shell]
 * @param {{id: number}} user
 */
export async function renderFamilies(root, user) {
  const families = await pickableFamilies(user.id);
  const listEl = root.querySelector('[data-family-list]');
  const filter = root.querySelector('[data-family-filter]');
  const draw = () => {
    const wanted = fold(filter ? filter.value : '');
    const shown = families.filter((f) => !wanted || fold(f.name).includes(wanted));
    listEl.replaceChildren(...shown.map((f) => {
      const place = [f.village, f.queued ? `(${t('not sent yet')})` : ''].filter(Boolean).join(' ');
      const li = el('li', {}, el('a', { className: 'row-link', href: `/families/${f.id}` },
        el('strong', { textContent: f.name }), place ? el('span', { className: 'muted', textContent: place }) : ''));
      li.dataset.family = f.id;
      return li;
    }));
    if (!shown.length) listEl.append(el('li', { className: 'muted', textContent: t('No families found.') }));
  };
  if (filter) filter.addEventListener('input', draw);
  draw();
}

/**
 * Fill the family page shell from the family named in the address (/families/<id>).
 * @param {HTMLElement} root [data-family-shell]
 * @param {{id: number}} user
 */
export async function renderFamily(root, user) {
  const match = /^\/families\/([0-9a-f-]{36})$/i.exec(location.pathname);
  const family = match ? await familyOnPhone(user.id, match[1].toLowerCase()) : null;
  const name = root.querySelector('[data-family-name]');
  const members = root.querySelector('[data-family-members]');
  if (!family) {
    name.textContent = t('This family is not on this phone.');
    members.replaceChildren();
    for (const link of root.querySelectorAll('[data-form-link]')) link.hidden = true;
    root.dataset.filled = 'missing';
    return;
  }
  const labels = (key) => JSON.parse(root.dataset[key] || '{}');
  name.textContent = family.name;
  document.title = family.name;
  const municipality = labels('municipalities')[family.municipality] || family.municipality || '';
  root.querySelector('[data-family-place]').textContent = [family.village, municipality].filter(Boolean).join(', ');
  root.querySelector('[data-family-programme]').textContent = labels('programmes')[family.programme] || family.programme || '–';
  const queued = await queuedDays(user.id, family.id);
  root.querySelector('[data-family-last-visit]').textContent = dayText(latest(family.last_visit_on, queued.visit));
  root.querySelector('[data-family-next-visit]').textContent = dayText(family.next_visit_on);
  if (family.next_session_on || family.last_session_on || queued.session) {
    root.querySelector('[data-family-sessions]').hidden = false;
    root.querySelector('[data-family-next-session]').textContent = dayText(family.next_session_on);
  }
  for (const link of root.querySelectorAll('[data-form-link]')) {
    const url = new URL(link.getAttribute('href'), location.origin);
    url.searchParams.set('family', family.id);
    link.href = url.pathname + url.search;
  }
  members.replaceChildren(...(family.members || []).map((m) => el('li', {}, m.full_name,
    m.birth_year ? el('span', { className: 'muted', textContent: ` (${m.birth_year})` }) : '')));
  if (!members.children.length) members.append(el('li', { className: 'muted', textContent: t('No members recorded.') }));
  root.dataset.filled = family.id;
}

/** Days from ISO day `from` to ISO day `to` (calendar days, no time zone shift). */
function daysBetween(from, to) {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86400000);
}

/**
 * Fill the "My work" shell: what is due today or overdue (and cases near their planned
 * end), oldest first, each a link to the form for that family (or its page, for what is
 * done on the case file), from the pulled list and the forms waiting in the outbox.
 * @param {HTMLElement} root [data-my-work-shell]
 * @param {{id: number}} user
 */
export async function renderMyWork(root, user) {
  const today = localToday();
  const items = await dueNow(await list({ userId: user.id }), today);
  const labels = (key) => JSON.parse(root.dataset[key] || '{}');
  const kinds = labels('kinds');
  const services = labels('services');
  const text = labels('text');
  const listEl = root.querySelector('[data-due-list]');
  const names = new Map();
  for (const family of await pickableFamilies(user.id)) names.set(family.id, family.name);
  const rows = [];
  for (const item of items) {
    const form = /^form:([a-z0-9_]+)$/.exec(item.target || '');
    const href = form
      ? `/forms/${form[1]}?family=${encodeURIComponent(item.family_id)}`
      : `/families/${encodeURIComponent(item.family_id)}`;
    let title = kinds[item.kind] || item.kind;
    if (item.kind === 'service') title += `: ${services[item.detail] || item.detail}`;
    if (item.kind === 'follow_up') {
      const months = Number(item.detail) || 0;
      title += `: ${nt('%(num)d month', '%(num)d months', months)}`;
    }
    let when;
    if (item.kind === 'ending') {
      when = el('span', { className: 'muted', textContent: `${text.planned_end}: ${dayText(item.due_on)}` });
    } else if (item.due_on < today) {
      const late = daysBetween(item.due_on, today);
      when = el('span', { className: 'badge badge-danger', textContent: nt('%(num)d day overdue', '%(num)d days overdue', late) });
    } else {
      when = el('span', { className: 'badge badge-warn', textContent: text.today });
    }
    const link = el('a', { className: 'card', href }, el('strong', { textContent: title }), ' ',
      names.get(item.family_id) || t('Family'), el('br'), when);
    const li = el('li', {}, link);
    li.dataset.kind = item.kind;
    li.dataset.family = item.family_id;
    rows.push(li);
  }
  if (!rows.length) rows.push(el('li', { className: 'muted', textContent: text.nothing }));
  listEl.replaceChildren(...rows);
  root.dataset.filled = String(items.length);
}
