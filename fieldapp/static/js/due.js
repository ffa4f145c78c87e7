// "My work" on the phone: the due list the pull carries (fieldapp/cases/due.py, the same
// list as the page online, a few days ahead), changed at once by the forms queued here,
// as the server will change it when they arrive (fieldapp/families/effects.py,
// fieldapp/cases/effects.py). Stored encrypted (local-db.js, store `due`).
import { get, put } from './local-db.js';

/** Forms that set a family's next date: the answer holding it, and the kind of item. */
const SCHEDULES = {
  home_visit: { kind: 'visit', answer: 'next_visit_date' },
  psych_support: { kind: 'session', answer: 'next_session_date' },
};
/** Service statuses that leave a service open (still on the list once due). */
const OPEN_SERVICE = ['planned', 'in_progress'];

const isDay = (value) => typeof value === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(value);

/** The earliest item matching `test` (the one the server changes), by due day. */
function earliest(items, test) {
  let found = -1;
  items.forEach((item, index) => {
    if (test(item) && (found < 0 || item.due_on < items[found].due_on)) found = index;
  });
  return found;
}

/**
 * Return `items` as they will be once the server stores the submission `sub` (the item
 * of the sync API): a visit or session moves the family's next date (none: off the
 * list); a service record closes the earliest open service of its type unless it
 * continues; a follow-up record marks the family's earliest follow-up done.
 * @param {object[]} items due items of the pull
 * @param {object} sub {form_id, subject_id, answers}
 * @returns {object[]} a new list
 */
export function applyQueued(items, sub) {
  const family = sub && sub.subject_id;
  if (!family) return items;
  const answers = sub.answers || {};
  const schedule = SCHEDULES[sub.form_id];
  if (schedule) {
    const out = items.filter((i) => !(i.kind === schedule.kind && i.family_id === family));
    const next = answers[schedule.answer];
    if (isDay(next)) {
      out.push({ kind: schedule.kind, family_id: family, due_on: next, show_from: next, detail: '', target: `form:${sub.form_id}` });
    }
    return out;
  }
  let index = -1;
  if (sub.form_id === 'service_record') {
    if (OPEN_SERVICE.includes(answers.status || 'completed')) return items;
    index = earliest(items, (i) => i.kind === 'service' && i.family_id === family && i.detail === answers.service_type);
  } else if (sub.form_id === 'case_follow_up') {
    index = earliest(items, (i) => i.kind === 'follow_up' && i.family_id === family);
  }
  return index < 0 ? items : items.filter((_, i) => i !== index);
}

/** Apply a form just queued to the stored list (once: its uuid is remembered). */
export async function noteQueued(sub) {
  const stored = await get('due', 'list');
  if (!stored || stored.locked || (stored.applied || []).includes(sub.uuid)) return;
  await put('due', {
    id: 'list',
    items: applyQueued(stored.items || [], sub),
    applied: [...(stored.applied || []), sub.uuid],
  });
}

/** Today on the phone, as an ISO day in its own time zone. */
export function localToday(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Return what is due by `today`: the stored list with the forms still in the outbox
 * applied (those not applied when queued: a pull replaced the list since), oldest first.
 * @param {object[]} queued outbox records of the user ({uuid, item})
 * @param {string} today ISO day
 */
export async function dueNow(queued, today) {
  const stored = await get('due', 'list');
  if (!stored || stored.locked) return [];
  const applied = new Set(stored.applied || []);
  let items = stored.items || [];
  for (const record of queued) {
    if (record.item && !applied.has(record.uuid)) items = applyQueued(items, record.item);
  }
  return items
    .filter((i) => (i.show_from || i.due_on) <= today)
    .sort((a, b) => (a.due_on < b.due_on ? -1 : a.due_on > b.due_on ? 1 : 0));
}
