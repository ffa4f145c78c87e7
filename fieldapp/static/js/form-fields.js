// The fill page's fields as data: read typed answers (as forms.from_form_data does on
// the server), take and restore snapshots for drafts, add repeat rows, apply show_if,
// and show validation errors beside the fields.
import { compare } from './collate.js';
import { evaluateCondition, messageFor } from './form-rules.js';
import { nt, t } from './i18n.js';

const INT = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(?:\d+(?:[.,]\d+)?|[.,]\d+)$/;
const WORDS = { yes: true, true: true, 1: true, on: true, no: false, false: false, 0: false, off: false };
const CONTROLS = 'input, select, textarea';
const esc = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** A date as the page shows it: day first, 31.12.2025 (also 31/12/2025, 1.2.2026). */
const DAY_FIRST = /^([0-9]{1,2})[.,/-]([0-9]{1,2})[.,/-]([0-9]{4})\.?$/;

/**
 * Read a date typed day first as ISO (YYYY-MM-DD); other text is returned as it is, for
 * validation to refuse with a clear message (date_format).
 * @param {string} text
 * @returns {string}
 */
export function isoFromShown(text) {
  const match = DAY_FIRST.exec(text.trim());
  return match ? `${match[3]}-${match[2].padStart(2, '0')}-${match[1].padStart(2, '0')}` : text;
}

/** Show an ISO date day first (31.12.2025); other text as it is. */
export function shownFromIso(value) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  return match ? `${match[3]}.${match[2]}.${match[1]}` : (value || '');
}

/** Today on this phone, as ISO (local time, not UTC). */
export function todayIso(now = new Date()) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Every question of a client definition, top level only. */
export function topQuestions(def) {
  return def.sections.flatMap((s) => s.questions);
}

function convert(q, values) {
  if (q.type === 'multiple_choice') {
    const chosen = values.filter((v) => v.trim());
    return chosen.length ? chosen : undefined;
  }
  const text = values.length ? values[0] : '';
  if (!text.trim()) return undefined;
  const trimmed = text.trim();
  if (q.type === 'integer' || q.type === 'rating') return INT.test(trimmed) ? parseInt(trimmed, 10) : text;
  if (q.type === 'decimal') return DECIMAL.test(trimmed) ? parseFloat(trimmed.replace(',', '.')) : text;
  if (q.type === 'yes_no') return Object.hasOwn(WORDS, trimmed.toLowerCase()) ? WORDS[trimmed.toLowerCase()] : text;
  if (q.type === 'date') return isoFromShown(text);
  return text;
}

function readRow(q, data, prefix) {
  const row = {};
  for (const sub of q.questions) {
    const value = convert(sub, data.getAll(prefix + sub.id));
    if (value !== undefined) row[sub.id] = value;
  }
  return row;
}

/**
 * Read the typed answers of the enabled fields (hidden questions are disabled).
 * @param {HTMLFormElement} form
 * @param {object} def client definition
 * @returns {{answers: object, rowsOf: Object<string, Element[]>}} rowsOf: the row elements of
 *   each repeat in answer order (error paths count rows of answers, not of the page)
 */
export function readAnswers(form, def) {
  const data = new FormData(form);
  const keys = [...new Set(data.keys())];
  const answers = {};
  const rowsOf = {};
  for (const q of topQuestions(def)) {
    if (q.type === 'repeat') {
      const rows = [];
      rowsOf[q.id] = [];
      for (const rowEl of form.querySelectorAll(`[data-repeat="${q.id}"] [data-row]`)) {
        const prefix = `${q.id}.${rowEl.dataset.row}.`;
        const row = readRow(q, data, prefix);
        if (!Object.keys(row).length) continue; // an empty row is not an answer
        const id = (data.get(`${prefix}id`) || '').trim();
        rows.push(id ? { id, ...row } : row);
        rowsOf[q.id].push(rowEl);
      }
      if (rows.length) answers[q.id] = rows;
    } else if (q.type === 'roster') {
      const pattern = new RegExp(`^${esc(q.id)}\\.([^.]+)\\.[a-z][a-z0-9_]*$`);
      const roster = {};
      for (const key of keys) {
        const match = pattern.exec(key);
        if (match && !roster[match[1]]) roster[match[1]] = readRow(q, data, `${q.id}.${match[1]}.`);
      }
      if (Object.keys(roster).length) answers[q.id] = roster;
    } else {
      const value = convert(q, data.getAll(q.id));
      if (value !== undefined) answers[q.id] = value;
    }
  }
  return { answers, rowsOf };
}

/**
 * Return everything typed, for a draft: [name, value] pairs (disabled fields too) and the
 * row indexes of each repeat group.
 * @param {HTMLFormElement} form
 * @returns {{fields: string[][], rows: Object<string, string[]>}}
 */
export function snapshot(form) {
  const fields = [];
  for (const el of form.querySelectorAll(CONTROLS)) {
    if (!el.name || el.name === 'csrf_token') continue;
    if ((el.type === 'checkbox' || el.type === 'radio') && !el.checked) continue;
    fields.push([el.name, el.value]);
  }
  const rows = {};
  for (const group of form.querySelectorAll('[data-repeat]')) {
    rows[group.dataset.repeat] = [...group.querySelectorAll('[data-row]')].map((r) => r.dataset.row);
  }
  return { fields, rows };
}

/**
 * Put a snapshot back into the form (rows are added first, then the values).
 * @param {HTMLFormElement} form
 * @param {{fields: string[][], rows: Object<string, string[]>}} snap
 * @param {{skip?: string[]}} [options] skip: names left as they are
 */
export function restore(form, snap, { skip = [] } = {}) {
  for (const [qid, indexes] of Object.entries(snap.rows || {})) {
    const group = form.querySelector(`[data-repeat="${qid}"]`);
    if (!group) continue;
    const existing = new Set([...group.querySelectorAll('[data-row]')].map((r) => r.dataset.row));
    for (const index of indexes) if (!existing.has(index)) addRow(group, index);
  }
  const values = new Map();
  for (const [name, value] of snap.fields) {
    if (!values.has(name)) values.set(name, []);
    values.get(name).push(value);
  }
  for (const el of form.querySelectorAll(CONTROLS)) {
    if (!el.name || el.name === 'csrf_token' || skip.includes(el.name)) continue;
    const wanted = values.get(el.name) || [];
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = wanted.includes(el.value);
    else if (values.has(el.name)) el.value = wanted[0];
  }
}

/**
 * Add a row to a repeat group by copying its last row, with fresh names and a fresh row id.
 * @param {Element} group fieldset[data-repeat]
 * @param {string|null} [index] the row index to use (default: one more than the highest)
 * @returns {Element} the new row
 */
export function addRow(group, index = null) {
  const qid = group.dataset.repeat;
  const rows = [...group.querySelectorAll('[data-row]')];
  const last = rows[rows.length - 1];
  const next = index ?? String(Math.max(...rows.map((r) => Number(r.dataset.row))) + 1);
  const copy = last.cloneNode(true);
  const from = `${qid}.${last.dataset.row}.`;
  const to = `${qid}.${next}.`;
  copy.dataset.row = next;
  for (const el of copy.querySelectorAll('[name], [id], [for], [aria-describedby]')) {
    for (const attr of ['name', 'id', 'for', 'aria-describedby']) {
      const value = el.getAttribute(attr);
      if (value && value.includes(from)) el.setAttribute(attr, value.split(from).join(to));
    }
  }
  for (const el of copy.querySelectorAll('.error')) el.remove();
  for (const el of copy.querySelectorAll('.has-error')) el.classList.remove('has-error');
  for (const el of copy.querySelectorAll(CONTROLS)) {
    el.removeAttribute('aria-invalid');
    if (el.type === 'checkbox' || el.type === 'radio') el.checked = false;
    else el.value = '';
  }
  const rowId = copy.querySelector('[data-row-id]');
  if (rowId) rowId.value = crypto.randomUUID();
  const number = copy.querySelector('[data-row-number]');
  if (number) number.textContent = String(rows.length + 1);
  last.after(copy);
  return copy;
}

function referenced(cond, out = []) {
  for (const key of ['all', 'any']) (cond[key] || []).forEach((c) => referenced(c, out));
  if (cond.not) referenced(cond.not, out);
  if (cond.field) out.push(cond.field);
  return out;
}

function rowAnswers(def, answers, el) {
  const rowEl = el.closest('[data-row]');
  if (!rowEl) return null;
  const group = rowEl.closest('[data-repeat]');
  const q = topQuestions(def).find((x) => x.id === group.dataset.repeat);
  return readRow(q, new FormData(el.form || el.closest('form')), `${q.id}.${rowEl.dataset.row}.`);
}

/**
 * Show or hide questions with show_if; hidden ones get `hidden` and disabled inputs, so
 * they are neither submitted nor validated. A question that depends on a hidden one is hidden.
 * @param {HTMLFormElement} form
 * @param {object} def client definition
 */
export function applyShowIf(form, def) {
  const conditional = [...form.querySelectorAll('[data-show-if]')];
  for (let pass = 0; pass < 5; pass += 1) {
    const { answers } = readAnswers(form, def);
    let changed = false;
    for (const el of conditional) {
      const cond = JSON.parse(el.dataset.showIf);
      const scope = el.closest('[data-row]') || form;
      const dependsOnHidden = referenced(cond).some((name) => {
        const other = scope.querySelector(`[data-q="${name}"]`) || form.querySelector(`[data-q="${name}"]`);
        return other && other.hidden;
      });
      const visible = !dependsOnHidden && evaluateCondition(cond, answers, rowAnswers(def, answers, el));
      if (el.hidden === visible) { el.hidden = !visible; changed = true; }
    }
    for (const control of form.querySelectorAll(CONTROLS)) {
      control.disabled = Boolean(control.closest('[data-show-if][hidden]'));
    }
    if (!changed) break;
  }
}

/** Remove the error messages this module added. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll('[data-js-error]')) el.remove();
  for (const el of form.querySelectorAll('.has-error')) el.classList.remove('has-error');
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('[aria-describedby*="js-error-"]')) {
    const kept = el.getAttribute('aria-describedby').split(' ').filter((x) => x && !x.startsWith('js-error-'));
    if (kept.length) el.setAttribute('aria-describedby', kept.join(' '));
    else el.removeAttribute('aria-describedby');
  }
}

function targetOf(form, path, rowsOf) {
  const parts = path.split('.');
  if (parts.length === 1) return form.querySelector(`[data-q="${path}"], [data-repeat="${path}"], [data-roster="${path}"]`);
  const [qid, key, sub] = parts;
  const roster = form.querySelector(`[data-roster="${qid}"]`);
  if (roster) {
    const li = roster.querySelector(`[data-student="${key}"]`);
    return li || roster;
  }
  const row = (rowsOf[qid] || [])[Number(key)];
  if (!row) return form.querySelector(`[data-repeat="${qid}"]`);
  return (sub && row.querySelector(`[data-q="${sub}"]`)) || row;
}

/**
 * Name the question an answer path points at, as a person reads it (forms
 * FormDefinition.label_of): "Family members 2: Full name"; a roster row names its student.
 * @param {object|null} def client definition
 * @param {string} path e.g. visit_date, members.1.full_name, attendance.<id>.status
 * @param {string} locale the language of the labels
 * @param {Element|Document} [root] where roster rows (their students' names) are found
 * @returns {string}
 */
export function labelOf(def, path, locale, root = document) {
  if (path === 'subject_id') return t('Family');
  const parts = path.split('.');
  const top = def ? topQuestions(def).find((q) => q.id === parts[0]) : null;
  if (!top) return path;
  const text = (texts) => texts[locale] || texts.sq;
  const label = text(top.label);
  if (parts.length < 3) return label;
  const sub = (top.questions || []).find((q) => q.id === parts[parts.length - 1]);
  if (!sub) return label;
  if (top.type === 'roster') {
    const name = root.querySelector(`[data-student="${CSS.escape(parts[1])}"] .name`);
    return name ? `${label}: ${name.textContent.trim()}` : label;
  }
  const row = /^\d+$/.test(parts[1]) ? `${label} ${Number(parts[1]) + 1}` : label;
  return `${row}: ${text(sub.label)}`;
}

// Put an error message under the question's label and hint (beside the label, where the
// eye starts, and above a long list), else at the end of the target.
function placeError(target, p) {
  const box = target.matches('.field') ? (target.querySelector(':scope > fieldset') || target) : null;
  let anchor = box && [...box.children].find((c) => c.matches('label, legend'));
  const hint = anchor && anchor.nextElementSibling;
  if (hint && hint.matches('.hint[id$="-hint"]')) anchor = hint;
  if (anchor) anchor.after(p);
  else target.append(p);
}

/**
 * Show validation errors beside their fields and a summary that counts them and links to
 * each; focus the summary. Messages are for the worker: in the worker's language.
 * @param {HTMLFormElement} form
 * @param {Object<string, object[]>} errors issues by path (validateAnswers) or {path: [text]}
 * @param {string} locale the worker's (interface) language, for messages and labels
 * @param {Object<string, Element[]>} rowsOf from readAnswers()
 * @param {object|null} [def] client definition, to name the questions in the summary
 */
export function showErrors(form, errors, locale, rowsOf = {}, def = null) {
  clearErrors(form);
  let n = 0;
  const general = []; // issues of no one field (a scale's missing items): said in the summary
  const links = [];
  for (const [path, issues] of Object.entries(errors)) {
    const text = issues.map((i) => (typeof i === 'string' ? i : (i.message && typeof i.message === 'string' ? i.message : messageFor(i, locale)))).join(' ');
    const target = targetOf(form, path, rowsOf);
    if (!target) { general.push(text); continue; }
    const p = document.createElement('p');
    p.className = 'error';
    p.id = `js-error-${(n += 1)}`;
    p.dataset.jsError = '';
    p.textContent = text;
    p.lang = document.documentElement.lang; // the worker's language, inside the family's part
    placeError(target, p);
    target.classList.add('has-error');
    let control = null;
    for (const c of target.querySelectorAll(CONTROLS)) {
      if (c.disabled || c.type === 'hidden') continue;
      c.setAttribute('aria-invalid', 'true');
      const described = (c.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
      c.setAttribute('aria-describedby', [...described, p.id].join(' '));
      control = control || c;
    }
    links.push({ label: labelOf(def, path, locale, form), text, control, id: p.id });
  }
  const summary = document.createElement('div');
  summary.className = 'error-summary';
  summary.setAttribute('role', 'alert');
  summary.tabIndex = -1;
  summary.dataset.jsError = '';
  summary.lang = document.documentElement.lang;
  const heading = document.createElement('h2');
  const count = links.length + general.length;
  heading.textContent = count
    ? nt('%(num)d answer needs your attention', '%(num)d answers need your attention', count, { num: count })
    : t('Please correct the highlighted answers.');
  summary.append(heading);
  if (links.length) {
    const ul = document.createElement('ul');
    for (const link of links) {
      const a = document.createElement('a');
      a.href = `#${link.id}`;
      a.textContent = link.label;
      a.addEventListener('click', (event) => {
        if (!link.control) return;
        event.preventDefault();
        link.control.focus();
        link.control.scrollIntoView({ block: 'center' });
      });
      const li = document.createElement('li');
      li.append(a, `: ${link.text}`);
      ul.append(li);
    }
    summary.append(ul);
  }
  for (const text of general) {
    const p = document.createElement('p');
    p.textContent = text;
    summary.append(p);
  }
  form.prepend(summary);
  summary.focus();
}

/**
 * Show how much room a text answer has left once it nears its limit, and by how much it
 * is over: the form never cuts what was typed (no maxlength), and validation refuses an
 * answer past the limit with a message. Near means 80 % of the limit.
 * @param {HTMLFormElement} form
 */
export function attachCounters(form) {
  for (const input of form.querySelectorAll('[data-max-length]')) {
    if (input.dataset.counter) continue;
    const max = Number(input.dataset.maxLength);
    const counter = document.createElement('p');
    counter.className = 'hint counter';
    counter.id = `${input.id || input.name}-counter`;
    counter.setAttribute('aria-live', 'polite');
    input.after(counter);
    input.setAttribute('aria-describedby', [input.getAttribute('aria-describedby'), counter.id].filter(Boolean).join(' '));
    input.dataset.counter = counter.id;
    const update = () => {
      const length = input.value.length;
      counter.hidden = length < 0.8 * max;
      counter.classList.toggle('is-over', length > max);
      counter.textContent = length > max
        ? t('%(count)d of %(max)d characters: shorten it by %(over)d.', { count: length, max, over: length - max })
        : t('%(count)d of %(max)d characters', { count: length, max });
    };
    input.addEventListener('input', update);
    update();
  }
}

const CYRILLIC = {
  а: 'a', б: 'b', в: 'v', г: 'g', д: 'd', ђ: 'dj', е: 'e', ж: 'z', з: 'z', и: 'i', ј: 'j', к: 'k', л: 'l', љ: 'lj',
  м: 'm', н: 'n', њ: 'nj', о: 'o', п: 'p', р: 'r', с: 's', т: 't', ћ: 'c', у: 'u', ф: 'f', х: 'h', ц: 'c', ч: 'c', џ: 'dz', ш: 's',
};

/** Fold text for a filter: lower case, Latin script, no diacritics ("Приштина", "Prishtinë" ~ "pristina"). */
export function fold(text) {
  const latin = [...text.toLowerCase()].map((c) => CYRILLIC[c] ?? (c === 'đ' ? 'dj' : c)).join('');
  // Albanian "sh", "zh", "ch" and Serbian "š", "ž", "č" meet as one letter.
  return latin.normalize('NFD').replace(/\p{M}/gu, '').replace(/([szc])h/g, '$1').replace(/\s+/g, ' ').trim();
}

/**
 * Give each long choice list (select[data-long-list], e.g. the 38 municipalities) a filter
 * box: typing narrows the list, which is shown open as a listbox (a native select with
 * a size) so the matches are visible and one tap chooses. Keyboard: type, then ArrowDown
 * into the list. Without this script the select works as it is.
 * @param {HTMLFormElement} form
 */
export function enhanceLongLists(form) {
  for (const select of form.querySelectorAll('select[data-long-list]')) {
    if (select.dataset.filter) continue;
    const input = document.createElement('input');
    input.type = 'search';
    input.id = `${select.id}-filter`;
    input.autocomplete = 'off';
    input.className = 'list-filter';
    input.setAttribute('aria-controls', select.id);
    const label = document.createElement('label');
    label.htmlFor = input.id;
    label.className = 'filter-label';
    label.textContent = t('Search the list');
    const status = document.createElement('p');
    status.className = 'hint list-status';
    status.id = `${select.id}-status`;
    status.setAttribute('aria-live', 'polite');
    input.setAttribute('aria-describedby', status.id);
    select.dataset.filter = input.id;
    select.size = 6;
    select.classList.add('listbox');
    const placeholder = [...select.options].find((o) => !o.value);
    if (placeholder) placeholder.hidden = true;
    if (!select.value) select.selectedIndex = -1;
    select.before(label, input, status);
    const describe = () => {
      const chosen = select.selectedIndex >= 0 && select.value ? select.options[select.selectedIndex].textContent : '';
      const shown = [...select.options].filter((o) => o.value && !o.hidden).length;
      const parts = [];
      if (input.value.trim()) parts.push(nt('%(num)d match', '%(num)d matches', shown, { num: shown }));
      if (chosen) parts.push(t('Chosen: %(name)s', { name: chosen }));
      status.textContent = parts.join(' · ');
    };
    input.addEventListener('input', () => {
      const needle = fold(input.value);
      for (const option of select.options) {
        if (!option.value) continue;
        option.hidden = Boolean(needle) && !fold(option.textContent).includes(needle);
      }
      describe();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key !== 'ArrowDown' && event.key !== 'Enter') return;
      event.preventDefault(); // Enter would submit the whole form
      const first = [...select.options].find((o) => o.value && !o.hidden);
      if (first && event.key === 'Enter' && [...select.options].filter((o) => o.value && !o.hidden).length === 1) {
        select.value = first.value;
        select.dispatchEvent(new Event('change', { bubbles: true }));
      }
      select.focus();
    });
    select.addEventListener('change', describe);
    select.describeChoice = describe;
    describe();
  }
}

/**
 * Date fields show day.month.year in every language (text inputs: no browser picker with
 * the phone's US order). On leaving the field, "5.3.2026" or "05032026" becomes
 * "05.03.2026"; the answer read from it is ISO (readAnswers).
 * @param {HTMLFormElement} form
 */
export function enhanceDates(form) {
  for (const input of form.querySelectorAll('input[data-date]')) {
    if (input.dataset.dateBound) continue;
    input.dataset.dateBound = '1';
    input.addEventListener('blur', () => {
      const text = input.value.trim();
      const digits = /^(\d{2})(\d{2})(\d{4})$/.exec(text);
      const iso = digits ? `${digits[3]}-${digits[2]}-${digits[1]}` : isoFromShown(text);
      if (iso !== text || digits) input.value = shownFromIso(iso);
    });
  }
}

/**
 * Preset the empty date fields marked data-preset="today" to today (a new form only:
 * drafts and forms being corrected keep their own dates).
 * @param {HTMLFormElement} form
 */
export function presetDates(form) {
  for (const input of form.querySelectorAll('input[data-preset="today"]')) {
    if (!input.value && !input.disabled) input.value = shownFromIso(todayIso());
  }
}
