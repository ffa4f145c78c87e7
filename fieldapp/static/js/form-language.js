// The family's language on the intake: switching it rewrites the question texts in place
// from the form definition, so every typed answer stays where it is (no reload, no draft
// to continue). Texts to rewrite carry data-text="<key>" (submissions/questions.html);
// the worker's own texts (buttons, messages, the staff-only part) have none.
import { compare } from './collate.js';
import { topQuestions } from './form-fields.js';

function questionById(def, id) {
  for (const q of topQuestions(def)) {
    if (q.id === id) return q;
    for (const sub of q.questions || []) if (sub.id === id) return sub;
  }
  return null;
}

/**
 * Return the text a data-text key names, in `locale` (null if the key names nothing).
 * Keys: title, description, section.<id>.title|description, q.<id>.label|hint|row_label,
 * choice.<question id>.<value>, yes_no.true|false.
 * @param {object} def client definition
 * @param {string} key
 * @param {string} locale
 * @returns {string|null}
 */
export function textOf(def, key, locale) {
  const pick = (texts) => (texts ? texts[locale] || texts.sq : null);
  const [kind, id, ...rest] = key.split('.');
  if (kind === 'title' || kind === 'description') return pick(def[kind]);
  if (kind === 'yes_no') return pick((def.yes_no || {})[id]);
  if (kind === 'section') {
    const section = def.sections.find((s) => s.id === id);
    return section ? pick(section[rest[0]]) : null;
  }
  const q = questionById(def, id);
  if (!q) return null;
  if (kind === 'q') return pick(q[rest[0]]);
  if (kind === 'choice') {
    const choice = (q.choices || []).find((c) => c.value === rest.join('.'));
    return choice ? pick(choice.label) : null;
  }
  return null;
}

/**
 * Show the family's part of the form in `locale`, keeping every answer.
 * @param {HTMLFormElement} form #fill-form
 * @param {object} def client definition
 * @param {string} locale the family's language
 * @param {string} uiLocale the worker's language
 */
export function showInLanguage(form, def, locale, uiLocale) {
  const root = form.closest('main') || document.body;
  const tag = locale.replace('_', '-');
  for (const el of root.querySelectorAll('[data-text]')) {
    const text = textOf(def, el.dataset.text, locale);
    if (text !== null) el.textContent = text;
  }
  for (const el of root.querySelectorAll('.form-description')) el.lang = tag;
  for (const el of root.querySelectorAll('[data-worker-copy]')) {
    const key = el.dataset.workerCopy;
    el.hidden = textOf(def, key, locale) === textOf(def, key, uiLocale);
  }
  for (const select of form.querySelectorAll('select[data-long-list]')) {
    const options = [...select.options].filter((o) => o.value);
    options.sort((a, b) => compare(a.textContent, b.textContent, locale));
    const chosen = select.value;
    select.append(...options);
    if (!chosen) select.selectedIndex = -1;
    if (select.describeChoice) select.describeChoice();
  }
  form.lang = tag;
  form.dataset.respondentLocale = locale;
  const hidden = form.elements.namedItem('respondent_locale');
  if (hidden) hidden.value = locale;
  const h1 = root.querySelector('h1[data-text]');
  if (h1) h1.lang = tag;
  for (const link of root.querySelectorAll('[data-respondent-lang]')) {
    if (link.dataset.respondentLang === locale) link.setAttribute('aria-current', 'true');
    else link.removeAttribute('aria-current');
  }
  const url = new URL(location.href);
  url.searchParams.set('respondent_lang', locale);
  history.replaceState(history.state, '', url.pathname + url.search + url.hash);
}
