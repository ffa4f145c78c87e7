// Enhances #fill-form: drafts saved as the user types, show_if, repeat rows, the family
// picker and class roster from IndexedDB, and one submit path for online and offline:
// validate, write to the outbox, sync. Without this script the form posts as plain HTML.
import { validateAnswers } from './form-rules.js';
import { compare, surnameFirst } from './collate.js';
import { addRow, applyShowIf, attachCounters, clearErrors, enhanceDates, enhanceLongLists, isoFromShown, presetDates, readAnswers, restore, showErrors, snapshot, topQuestions } from './form-fields.js';
import { showInLanguage } from './form-language.js';
import { formatDateTime, formatTime, t } from './i18n.js';
import { all, del, get, put } from './local-db.js';
import { enqueue, find, list } from './outbox.js';
import { requestSync, syncEvents } from './sync.js';

/** Wait this long after the last keystroke before saving the draft, in milliseconds. */
export const DRAFT_DELAY_MS = 500;

const $ = (root, selector) => root.querySelector(selector);
const el = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
};

/**
 * Families the user may pick offline: the pulled caseload plus families registered by an
 * intake still in the outbox (members from its repeat rows).
 * @param {number} userId
 * @returns {Promise<{id: string, name: string, village?: string, members: object[]}[]>}
 */
export async function pickableFamilies(userId) {
  const families = await all('families');
  const known = new Set(families.map((f) => f.id));
  for (const record of await list({ userId, states: ['pending', 'refused'] })) {
    const { item } = record;
    if (item.form_id !== 'family_intake' || !item.subject_id || known.has(item.subject_id)) continue;
    families.push({
      id: item.subject_id,
      name: String(item.answers.family_name || ''),
      village: item.answers.village || '',
      queued: true,
      members: (item.answers.members || []).filter((m) => m.id).map((m) => ({ id: m.id, full_name: m.full_name })),
    });
  }
  return families.sort((a, b) => a.name.localeCompare(b.name));
}

function renderFamilyOptions(select, families) {
  const present = new Set([...select.options].map((o) => o.value));
  for (const family of families) {
    if (present.has(family.id)) continue;
    const text = family.village ? `${family.name} · ${family.village}` : family.name;
    select.append(el('option', { value: family.id, textContent: family.queued ? `${text} (${t('not sent yet')})` : text }));
  }
}

function renderMembers(form, family) {
  for (const box of form.querySelectorAll('[data-members]')) {
    const name = box.dataset.members;
    const checked = new Set([...box.querySelectorAll('input:checked')].map((i) => i.value));
    box.replaceChildren();
    if (!family || !family.members.length) {
      const none = box.dataset.membersSource === 'students' ? t('No students to choose from.') : t('Choose the family first.');
      box.append(el('p', { className: 'muted', textContent: none }));
      continue;
    }
    for (const member of family.members) {
      const type = box.dataset.membersKind || 'checkbox'; // radio for a single choice
      const input = el('input', { type, name, value: member.id, checked: checked.has(member.id) });
      box.append(el('label', { className: 'choice' }, input, ` ${member.full_name}`));
    }
  }
}

// The students of the courses on this phone (an instructor's rosters), by name.
async function rosterStudents() {
  const byId = new Map();
  for (const course of await all('courses')) for (const s of course.roster || []) byId.set(s.id, s);
  const members = [...byId.values()].sort((a, b) => a.full_name.localeCompare(b.full_name));
  return { members };
}

function renderRoster(form, def, course, locale, uiLang) {
  const q = topQuestions(def).find((x) => x.type === 'roster');
  const list_ = q && $(form, `[data-roster="${q.id}"] [data-roster-rows]`);
  if (!list_ || !course) return;
  list_.replaceChildren();
  const bySurname = [...course.roster].sort((a, b) => compare(surnameFirst(a.full_name), surnameFirst(b.full_name), uiLang));
  for (const student of bySurname) {
    const nameId = `${q.id}-${student.id}-name`;
    const li = el('li', {}, el('span', { className: 'name', id: nameId, textContent: student.full_name }));
    li.dataset.student = student.id;
    for (const sub of q.questions) {
      const name = `${q.id}.${student.id}.${sub.id}`;
      if (sub.type === 'single_choice') {
        const seg = el('fieldset', { className: 'seg' });
        seg.setAttribute('aria-labelledby', nameId);
        for (const choice of sub.choices) {
          const input = el('input', { type: 'radio', name, value: choice.value, checked: choice.value === sub.default });
          seg.append(el('label', {}, input, el('span', { textContent: choice.label[locale] || choice.label.sq })));
        }
        li.append(seg);
      } else {
        const label = el('label', { className: 'visually-hidden', htmlFor: name, textContent: `${sub.label[locale]}: ${student.full_name}` });
        const input = el('input', { id: name, name, type: 'text' });
        const pencil = el('span', { textContent: '✎' });
        pencil.setAttribute('aria-hidden', 'true');
        const summary = el('summary', {}, pencil, ' ', el('span', { className: 'note-label', textContent: sub.label[locale] || sub.label.sq }));
        li.append(el('details', { className: 'note' }, summary, label, input));
      }
    }
    list_.append(li);
  }
  if (!course.roster.length) list_.append(el('li', { className: 'muted', textContent: t('Nobody is enrolled in this course yet.') }));
}

/**
 * Warn when the session of a class register already has one (another instructor's, or
 * one on this phone still waiting), and let the instructor correct it: its marks are
 * loaded, and saving sends a new version that replaces it (the server counts the latest
 * version of each session only). Saving needs "Save as the corrected version".
 * @param {HTMLFormElement} form
 * @param {number|null} courseId
 * @param {() => string} ownUuid the uuid of the register being filled
 * @returns {{mayReplace: (submitter: Element|null) => boolean}}
 */
function watchRegister(form, courseId, ownUuid) {
  const panel = form.querySelector('[data-register-taken]');
  const date = form.elements.namedItem('session_date');
  if (!panel || !date || !courseId) return { mayReplace: () => true };
  const text = panel.querySelector('[data-register-taken-text]');
  const load = panel.querySelector('[data-register-load]');
  const save = panel.querySelector('[data-register-save]');
  let taken = null;
  let asked = 0;

  async function lookUp(iso) {
    const waiting = await list({ states: ['pending', 'refused', 'rejected'] });
    const mine = waiting.filter((r) => r.item.form_id === 'class_attendance' && r.item.course_id === courseId
      && r.item.answers.session_date === iso && r.uuid !== ownUuid());
    if (mine.length) {
      const last = mine[mine.length - 1].item;
      return { by: t('you, on this phone (not sent yet)'), at: last.completed_at, answers: last.answers, uuid: last.uuid };
    }
    if (!navigator.onLine) return null;
    try {
      const response = await fetch(`/courses/${courseId}/register?date=${encodeURIComponent(iso)}`, { credentials: 'same-origin', headers: { Accept: 'application/json' } });
      if (!response.ok) return null;
      const found = await response.json();
      return found.taken && found.uuid !== ownUuid() ? found : null;
    } catch {
      return null; // offline after all: the server keeps the latest version anyway
    }
  }

  async function check() {
    const iso = isoFromShown(date.value || '');
    const ask = (asked += 1);
    const found = /^\d{4}-\d{2}-\d{2}$/.test(iso) ? await lookUp(iso) : null;
    if (ask !== asked) return; // a later date was chosen meanwhile
    taken = found;
    panel.hidden = !taken;
    if (!taken) return;
    text.textContent = t('Attendance for this session was already taken by %(name)s at %(time)s.', { name: taken.by, time: formatDateTime(taken.at) });
    load.hidden = !(taken.answers && taken.answers.attendance);
    save.hidden = false;
  }

  load.addEventListener('click', () => {
    const { attendance = {}, lesson_topic: topic } = taken.answers;
    for (const [memberId, row] of Object.entries(attendance)) {
      for (const [sub, value] of Object.entries(row)) {
        const inputs = form.querySelectorAll(`[name="attendance.${CSS.escape(memberId)}.${sub}"]`);
        for (const input of inputs) {
          if (input.type === 'radio') input.checked = input.value === value;
          else { input.value = value; const details = input.closest('details'); if (details && value) details.open = true; }
        }
      }
    }
    const topicField = form.elements.namedItem('lesson_topic');
    if (topicField && topic && !topicField.value) topicField.value = topic;
    text.textContent = t('The marks of that register are loaded: change what was wrong, then save the corrected version.');
    taken.chosen = true; // correcting it is the instructor's answer to the warning
    load.hidden = true;
    form.dispatchEvent(new Event('change'));
  });
  date.addEventListener('change', check);
  date.addEventListener('blur', check);
  check();
  return {
    mayReplace(submitter) {
      if (!taken || taken.chosen || (submitter && submitter.name === 'replace_register')) return true;
      panel.hidden = false;
      panel.focus();
      panel.scrollIntoView({ block: 'center' });
      return false;
    },
  };
}

/**
 * Enhance the fill page.
 * @param {HTMLFormElement} form #fill-form
 * @param {{user: {id: number}, lang: string}} ctx the signed-in user (from IndexedDB) and UI language
 */
export async function enhanceForm(form, ctx) {
  const formId = form.dataset.formId;
  let def = await get('forms', formId);
  if (!def && navigator.onLine) {
    await requestSync('form-definition');
    def = await get('forms', formId);
  }
  if (!def || !ctx.user) return; // the plain HTML post still works online
  const params = new URLSearchParams(location.search);
  // The family's language (intake) for question texts; messages use the worker's.
  let locale = form.dataset.respondentLocale;
  const uiLang = ctx.lang;
  const field = (name) => form.elements.namedItem(name);
  const userId = ctx.user.id;
  const courseId = field('course_id') && field('course_id').value ? Number(field('course_id').value) : (Number(params.get('course')) || null);
  const draftKey = [userId, formId, params.get('family') || '', courseId || ''].join('|');
  let families = [];
  let timer = null;

  attachCounters(form);
  enhanceLongLists(form);
  enhanceDates(form);
  for (const button of form.querySelectorAll('[data-add-row]')) button.hidden = false;
  for (const input of form.querySelectorAll('[data-row-id]')) if (!input.value) input.value = crypto.randomUUID();
  if (form.dataset.shell) freshIdentity();

  const select = $(form, 'select[data-fill="families"]');
  if (select || form.querySelector('[data-members]')) {
    families = await pickableFamilies(userId);
    if (select) {
      renderFamilyOptions(select, families);
      if (params.get('family') && !select.value) select.value = params.get('family');
    }
  }
  const familyNow = () => families.find((f) => f.id === field('subject_id').value);
  if (form.dataset.shell && form.dataset.subject === 'family') renderMembers(form, familyNow());
  if (form.dataset.shell && form.dataset.subject === 'programme') renderMembers(form, await rosterStudents());
  if (form.dataset.shell && form.dataset.subject === 'course_session') renderRoster(form, def, await get('courses', courseId), locale, uiLang);

  const fixing = params.get('fix') && (await find(params.get('fix')));
  const resuming = params.get('draft') && (await get('drafts', params.get('draft')));
  if (fixing || resuming) {
    load(fixing || resuming);
    if (fixing) showErrors(form, fixing.errors || {}, uiLang, readAnswers(form, def).rowsOf, def);
  } else {
    presetDates(form);
    await offerDraft();
  }
  for (const link of document.querySelectorAll('[data-respondent-lang]')) {
    link.addEventListener('click', (event) => {
      event.preventDefault();
      locale = link.dataset.respondentLang;
      showInLanguage(form, def, locale, uiLang);
      changed({ target: link });
    });
  }
  applyShowIf(form, def);
  const registers = form.dataset.subject === 'course_session' ? watchRegister(form, courseId, () => field('submission_uuid').value) : null;
  form.dataset.enhanced = '1'; // tests and styles can tell the script has taken over

  function freshIdentity() {
    field('submission_uuid').value = crypto.randomUUID();
    field('started_at').value = new Date().toISOString();
    if (form.dataset.subject === 'new_family') field('subject_id').value = crypto.randomUUID();
  }

  function load(record) {
    const snap = record.snapshot;
    const subject = snap.fields.find(([name]) => name === 'subject_id');
    if (subject && select) select.value = subject[1];
    if (select) renderMembers(form, familyNow());
    restore(form, snap);
    field('submission_uuid').value = record.uuid;
  }

  async function offerDraft() {
    const drafts = (await all('drafts', 'byKey', draftKey)).sort((a, b) => (a.updatedAt < b.updatedAt ? 1 : -1));
    if (!drafts.length) return;
    const draft = drafts[0];
    const when = formatDateTime(draft.updatedAt);
    const resume = el('button', { type: 'button', className: 'button', textContent: t('Continue the draft from %(time)s', { time: when }) });
    const fresh = el('button', { type: 'button', className: 'button-secondary', textContent: t('Start over') });
    const panel = el('div', { className: 'draft-offer notice' }, el('p', { textContent: t('You have an unfinished draft of this form.') }), resume, ' ', fresh);
    panel.setAttribute('role', 'group');
    panel.setAttribute('aria-label', t('Unfinished draft'));
    form.before(panel);
    resume.addEventListener('click', () => { load(draft); applyShowIf(form, def); panel.remove(); });
    fresh.addEventListener('click', async () => {
      if (!window.confirm(t('Delete the draft and start with an empty form?'))) return;
      await del('drafts', draft.uuid);
      panel.remove();
    });
  }

  async function saveDraft() {
    const snap = snapshot(form);
    const family = familyNow && field('subject_id') && families.find((f) => f.id === field('subject_id').value);
    await put('drafts', {
      uuid: field('submission_uuid').value,
      authorId: userId,
      draftKey,
      formId,
      url: location.pathname + location.search,
      startedAt: field('started_at').value,
      updatedAt: new Date().toISOString(),
      label: [document.querySelector('h1').textContent.trim(), family ? family.name : ''].filter(Boolean).join(' · '),
      snapshot: snap,
    });
    const status = $(form, '[data-draft-status]');
    if (status) status.textContent = t('Draft saved on this phone at %(time)s', { time: formatTime(new Date()) });
  }

  function changed(event) {
    if (event.target.name === 'subject_id' && select) renderMembers(form, familyNow());
    applyShowIf(form, def);
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; saveDraft(); }, DRAFT_DELAY_MS);
  }
  form.addEventListener('input', changed);
  form.addEventListener('change', changed);
  form.addEventListener('click', (event) => {
    const button = event.target.closest('[data-add-row]');
    if (!button) return;
    const group = button.closest('[data-repeat]');
    const row = addRow(group);
    attachCounters(row);
    const q = topQuestions(def).find((x) => x.id === group.dataset.repeat);
    if (q.max_rows && group.querySelectorAll('[data-row]').length >= q.max_rows) {
      button.hidden = true;
      button.dataset.full = '1'; // app.css shows [data-add-row] from the first paint otherwise
    }
    applyShowIf(form, def);
    const first = row.querySelector('input:not([type=hidden]), select, textarea');
    if (first) first.focus();
  });
  // Before a reload (new version), save what was typed in the last half second.
  form.flushDraft = async () => {
    if (timer === null) return;
    clearTimeout(timer);
    timer = null;
    await saveDraft();
  };

  let busy = false;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (busy) return; // a double tap sends once
    if (registers && !registers.mayReplace(event.submitter)) return;
    busy = true;
    try {
      await submit();
    } finally {
      busy = false;
    }
  });

  async function submit() {
    applyShowIf(form, def);
    clearErrors(form);
    const { answers, rowsOf } = readAnswers(form, def);
    const subjectId = field('subject_id') ? field('subject_id').value : '';
    const family = families.find((f) => f.id === subjectId);
    const roster = [...form.querySelectorAll('[data-student]')].map((li) => li.dataset.student);
    const context = { members: family ? family.members.map((m) => m.id) : undefined, roster: roster.length ? roster : undefined };
    const verdict = validateAnswers(def, answers, context);
    const errors = { ...verdict.errors };
    if (form.dataset.subject === 'family' && !subjectId) errors.subject_id = [t('Choose a family.')];
    if (Object.keys(errors).length) {
      if (errors.subject_id) $(form, '#subject_id').closest('.field').dataset.q = 'subject_id';
      showErrors(form, errors, uiLang, rowsOf, def);
      return;
    }
    const item = {
      uuid: field('submission_uuid').value,
      form_id: formId,
      form_version: Number(form.dataset.formVersion),
      subject_id: subjectId || null,
      course_id: courseId,
      started_at: field('started_at').value || null,
      completed_at: new Date().toISOString(),
      respondent_locale: locale,
      author_id: userId,
      answers,
    };
    const title = document.querySelector('h1').textContent.trim();
    const label = [title, family ? family.name : (answers.family_name || '')].filter(Boolean).join(' · ');
    const record = await enqueue(item, { label });
    record.snapshot = snapshot(form);
    record.url = location.pathname + location.search;
    await put('outbox', record);
    clearTimeout(timer);
    timer = null;
    await del('drafts', item.uuid);
    document.dispatchEvent(new CustomEvent('fieldapp:queued', { detail: { uuid: item.uuid } }));
    confirmSaved(item.uuid);
  }

  function confirmSaved(uuid) {
    const message = el('p', { textContent: t('Saved on this phone. It will be sent when there is a connection.') });
    const again = el('a', { className: 'button', href: location.pathname + location.search, textContent: t('Fill in another') });
    const home = el('a', { href: '/', textContent: t('Back to the start page') });
    const box = el('section', { className: 'notice saved', tabIndex: -1 }, el('h2', { textContent: t('Saved') }), message, el('p', {}, again, ' ', home));
    box.setAttribute('role', 'status');
    box.dataset.savedUuid = uuid;
    form.replaceWith(box);
    box.focus();
    followItem(uuid, message, box);
    requestSync('submitted');
  }
}

/**
 * Keep the confirmation `box` in step with the item `uuid`, whoever sends it: this page's
 * sync run, another run (the queued event, Background Sync, another tab) or a later page.
 * The item's state lives in IndexedDB (outbox, then receipts), so the box reads it there
 * after every change the sync loop announces (syncEvents here, BroadcastChannel from
 * other tabs), until the item has its receipt.
 * @returns {Function} stop listening
 */
export function followItem(uuid, message, box) {
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('fieldapp') : null;
  let done = false;
  let checking = Promise.resolve();
  const stop = () => {
    done = true;
    syncEvents.removeEventListener('state', check);
    if (channel) channel.close();
  };
  async function look() {
    if (done) return;
    const receipt = await get('receipts', uuid);
    if (receipt) {
      if (receipt.receipt && receipt.receipt.server_id != null) {
        message.textContent = t('Sent. Receipt number %(number)s.', { number: receipt.receipt.server_id });
        box.dataset.receipt = String(receipt.receipt.server_id);
      } else {
        message.textContent = t('Sent.');
      }
      box.dataset.state = 'sent';
      stop();
      return;
    }
    const record = await find(uuid);
    if (record && record.state === 'rejected' && box.dataset.state !== 'rejected') {
      box.dataset.state = 'rejected';
      message.textContent = t('The server found problems in this form. Open “Waiting and sent forms” to correct it.');
    }
  }
  // One look at a time, in order: a late answer must not overwrite a newer one.
  function check() { checking = checking.then(look, look); return checking; }
  syncEvents.addEventListener('state', check);
  if (channel) channel.addEventListener('message', check);
  check();
  return stop;
}
