// Browser mirror of the rules in forms/ (conditions.py, field_types.py,
// validation.py): the same answers must get the same verdict on the phone and on
// the server. tests/forms/test_js_parity.py runs both and compares them.
// No dependencies, no build step: runs in browsers and in Node 20.

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}$/;
const EMPTY = Symbol('empty');
const MISSING = Symbol('missing');

const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const isObject = (x) => x !== null && typeof x === 'object' && !Array.isArray(x);
const isNumber = (x) => typeof x === 'number' && Number.isFinite(x);
const isBlank = (x) => x === undefined || x === null || (typeof x === 'string' && x.trim() === '');
const questionsOf = (def) => def.sections.flatMap((s) => s.questions);

class Invalid {
  constructor(code = 'type') { this.code = code; }
}

function isIsoDate(value) {
  if (!ISO_DATE.test(value)) return false;
  const [y, m, d] = value.split('-').map(Number);
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1];
}

// ---- show_if -------------------------------------------------------------

// Python says True == 1; === does not, and both engines must agree.
const same = (a, b) => ['boolean', 'number', 'string'].includes(typeof a) && a === b;

function compare(op, value, expected) {
  if (op === 'answered') return (value !== MISSING) === expected;
  if (op === 'not_equals') return !compare('equals', value, expected);
  if (op === 'not_in') return !compare('in', value, expected);
  if (value === MISSING) return false;
  if (op === 'equals') return same(value, expected);
  if (op === 'in') return expected.some((item) => same(value, item));
  if (op === 'contains') return Array.isArray(value) && value.some((v) => same(v, expected));
  if (op === 'contains_any') {
    return Array.isArray(value) && value.some((v) => expected.some((item) => same(v, item)));
  }
  const ordered = (isNumber(value) && isNumber(expected))
    || (typeof value === 'string' && typeof expected === 'string');
  if (!ordered) return false;
  if (op === 'gt') return value > expected;
  if (op === 'gte') return value >= expected;
  if (op === 'lt') return value < expected;
  return value <= expected;
}

/**
 * Evaluate a show_if condition; `field` is looked up in `row` first, then `answers`.
 * @param {object} cond a condition from client_dict()
 * @param {object} answers clean top-level answers (hidden ones removed)
 * @param {object|null} [row] clean answers of the current repeat/roster row
 * @returns {boolean}
 */
export function evaluateCondition(cond, answers, row = null) {
  if (has(cond, 'all')) return cond.all.every((c) => evaluateCondition(c, answers, row));
  if (has(cond, 'any')) return cond.any.some((c) => evaluateCondition(c, answers, row));
  if (has(cond, 'not')) return !evaluateCondition(cond.not, answers, row);
  const name = cond.field;
  let value = MISSING;
  if (row && has(row, name)) value = row[name];
  else if (has(answers, name)) value = answers[name];
  const op = Object.keys(cond).find((k) => k !== 'field');
  return compare(op, value, cond[op]);
}

function referenced(cond, out = []) {
  for (const key of ['all', 'any']) (cond[key] || []).forEach((c) => referenced(c, out));
  if (has(cond, 'not')) referenced(cond.not, out);
  if (has(cond, 'field')) out.push(cond.field);
  return out;
}

// ---- field types -----------------------------------------------------------

function parse(q, raw) {
  switch (q.type) {
    case 'text': case 'long_text':
      if (typeof raw !== 'string') throw new Invalid();
      return raw.trim();
    case 'integer': case 'rating':
      if (!isNumber(raw) || !Number.isInteger(raw)) throw new Invalid();
      return raw;
    case 'decimal':
      if (!isNumber(raw)) throw new Invalid();
      return raw;
    case 'date':
      if (typeof raw !== 'string') throw new Invalid();
      if (!ISO_DATE.test(raw.trim())) throw new Invalid('date_format');
      if (!isIsoDate(raw.trim())) throw new Invalid('date');
      return raw.trim();
    case 'time': {
      if (typeof raw !== 'string' || !TIME.test(raw.trim())) throw new Invalid();
      const [h, m] = raw.trim().split(':').map(Number);
      if (h > 23 || m > 59) throw new Invalid('time');
      return raw.trim();
    }
    case 'yes_no':
      if (typeof raw !== 'boolean') throw new Invalid();
      return raw;
    case 'single_choice':
      if (typeof raw !== 'string') throw new Invalid();
      return raw;
    case 'multiple_choice':
      if (!Array.isArray(raw) || !raw.every((v) => typeof v === 'string')) throw new Invalid();
      return [...new Set(raw)];
    case 'repeat':
      if (!Array.isArray(raw)) throw new Invalid();
      return raw;
    default: // roster
      if (!isObject(raw)) throw new Invalid();
      return raw;
  }
}

function isEmpty(q, raw) {
  if (q.type === 'repeat') return raw === undefined || raw === null || (Array.isArray(raw) && !raw.length);
  if (q.type === 'roster') return raw === undefined || raw === null || (isObject(raw) && !Object.keys(raw).length);
  return isBlank(raw) || (q.type === 'multiple_choice' && Array.isArray(raw) && !raw.length);
}

function checkChoice(q, value, env, issue) {
  if (q.choices_from !== undefined) {
    return env.members && !env.members.has(value) ? [issue('not_member', { value })] : [];
  }
  return (q.choices || []).some((c) => c.value === value) ? [] : [issue('choice', { value })];
}

function resolveDate(bound, env) {
  if (bound === 'today') return env.today;
  if (isObject(bound)) {
    const other = env.lookup(bound.field);
    return typeof other === 'string' ? other : null;
  }
  return typeof bound === 'string' ? bound : null;
}

function check(q, value, env, issue) {
  switch (q.type) {
    case 'text': case 'long_text': {
      const found = [];
      const length = [...value].length;
      if (q.min_length !== undefined && length < q.min_length) found.push(issue('min_length', { min: q.min_length }));
      if (q.max_length !== undefined && length > q.max_length) found.push(issue('max_length', { max: q.max_length }));
      if (q.pattern && !new RegExp(`^(?:${q.pattern})$`, 'u').test(value)) found.push(issue('pattern', {}));
      return found;
    }
    case 'integer': case 'decimal': case 'rating': {
      const rating = q.type === 'rating';
      // {field: id} bounds read another number answer (none when it is unanswered).
      const bound = (b, dflt) => (b === undefined ? dflt
        : (isObject(b) ? (isNumber(env.lookup(b.field)) ? env.lookup(b.field) : undefined) : b));
      const low = bound(q.min, rating ? 1 : undefined);
      const high = bound(q.max, rating ? 5 : undefined);
      if (low !== undefined && value < low) return [issue('min', { min: low })];
      if (high !== undefined && value > high) return [issue('max', { max: high })];
      return [];
    }
    case 'date': {
      const low = resolveDate(q.min, env);
      if (low !== null && value < low) return [q.min === 'today' ? issue('past_date', {}) : issue('min', { min: low })];
      const high = resolveDate(q.max, env);
      if (high !== null && value > high) return [q.max === 'today' ? issue('future_date', {}) : issue('max', { max: high })];
      return [];
    }
    case 'single_choice':
      return checkChoice(q, value, env, issue);
    case 'multiple_choice': {
      const found = value.flatMap((v) => checkChoice(q, v, env, issue));
      if (value.length > 1) {
        for (const v of value) {
          if ((q.choices || []).some((c) => c.value === v && c.exclusive)) found.push(issue('exclusive', { value: v }));
        }
      }
      return found;
    }
    default:
      return [];
  }
}

// ---- messages ----------------------------------------------------------------

const LOCALES = ['sq', 'sr_Latn', 'sr_Cyrl', 'en'];

function display(value) {
  const m = typeof value === 'string' && /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  return m ? `${m[3]}.${m[2]}.${m[1]}` : String(value);
}

/**
 * Return an issue's message in `locale` (sq, sr_Latn, sr_Cyrl or en; "sr" means Latin).
 * @param {{params: object, templates: object}} issue an issue from validateAnswers()
 * @param {string} [locale]
 * @returns {string}
 */
export function messageFor(issue, locale = 'sq') {
  const tag = String(locale).replace('-', '_');
  const key = LOCALES.includes(tag) ? tag : (tag.startsWith('sr') ? 'sr_Latn' : (tag.startsWith('en') ? 'en' : 'sq'));
  const template = issue.templates[key] ?? issue.templates.sq;
  return template.replace(/%\((\w+)\)s/g, (all, name) => (has(issue.params, name) ? display(issue.params[name]) : all));
}

// ---- validation ------------------------------------------------------------------

function localToday() {
  const d = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

function makeValidator(def, context) {
  const errors = {};
  const env = {
    today: context.today || localToday(),
    members: context.members ? new Set(context.members) : null,
    roster: context.roster ? new Set(context.roster) : null,
  };
  const add = (path, issue) => (errors[path] ||= []).push(issue);
  const issueFor = (q) => (code, params = {}) => {
    // An issue never quotes a sensitive answer (as forms/field_base.py issue()).
    if (q && q.sensitive && 'value' in params) params = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'value'));
    const key = (code === 'min' || code === 'max') && typeof params[code] === 'string' ? `${code}_date` : code;
    const templates = (q && q.messages && q.messages[code]) || def.messages[key];
    const issue = { code, params, templates };
    issue.message = (locale) => messageFor(issue, locale);
    return issue;
  };
  const scope = (questions) => ({ questions, ids: new Set(questions.map((q) => q.id)), clean: {}, hidden: new Set() });

  function visible(q, sc, top) {
    if (!q.show_if) return true;
    for (const name of referenced(q.show_if)) {
      const where = sc !== top && sc.ids.has(name) ? sc : top;
      if (where.hidden.has(name)) return false; // depends on a hidden question
    }
    return evaluateCondition(q.show_if, top.clean, sc !== top ? sc.clean : null);
  }

  function level(answers, path, sc, top) {
    for (const q of sc.questions) {
      if (!visible(q, sc, top)) { sc.hidden.add(q.id); continue; }
      const value = answer(q, has(answers, q.id) ? answers[q.id] : null, path + q.id, sc, top);
      if (value !== EMPTY) sc.clean[q.id] = value;
    }
  }

  function unknownKeys(answers, path, known) {
    for (const key of Object.keys(answers)) if (!known.has(key)) add(path + key, issueFor(null)('unknown_field'));
  }

  function answer(q, raw, path, sc, top) {
    const issue = issueFor(q);
    if ((raw === undefined || raw === null) && q.default !== undefined) raw = q.default;
    if (isEmpty(q, raw)) {
      if (q.required) add(path, issue('required'));
      return EMPTY;
    }
    let value;
    try {
      value = parse(q, raw);
    } catch (exc) {
      add(path, issue(exc.code));
      return EMPTY;
    }
    if (q.type === 'repeat') return repeat(q, value, path, top);
    if (q.type === 'roster') return roster(q, value, path, top);
    const lookup = (name) => (has(sc.clean, name) ? sc.clean[name] : top.clean[name]);
    for (const found of check(q, value, { ...env, lookup }, issue)) add(path, found);
    return value;
  }

  function row(q, raw, path, top) {
    if (!isObject(raw)) { add(path, issueFor(q)('type')); return EMPTY; }
    const sc = scope(q.questions);
    const known = new Set(sc.ids);
    if (q.type === 'repeat' && has(raw, 'id')) {
      known.add('id');
      if (typeof raw.id === 'string' && UUID.test(raw.id)) sc.clean.id = raw.id;
      else add(`${path}.id`, issueFor(null)('uuid'));
    }
    level(raw, `${path}.`, sc, top);
    unknownKeys(raw, `${path}.`, known);
    return sc.clean;
  }

  function repeat(q, rows, path, top) {
    const issue = issueFor(q);
    if (q.min_rows !== undefined && rows.length < q.min_rows) add(path, issue('min_rows', { min: q.min_rows }));
    if (q.max_rows !== undefined && rows.length > q.max_rows) add(path, issue('max_rows', { max: q.max_rows }));
    return rows.map((raw, i) => row(q, raw, `${path}.${i}`, top)).filter((r) => r !== EMPTY);
  }

  function roster(q, rows, path, top) {
    const issue = issueFor(q);
    const clean = {};
    for (const [id, raw] of Object.entries(rows)) {
      if (env.roster && !env.roster.has(id)) { add(`${path}.${id}`, issue('not_enrolled')); continue; }
      const r = row(q, raw, `${path}.${id}`, top);
      if (r !== EMPTY) clean[id] = r;
    }
    for (const id of env.roster || []) if (!has(rows, id)) add(`${path}.${id}`, issue('roster_missing'));
    return clean;
  }

  return { errors, scope, level, unknownKeys, add, issueFor };
}

// ---- scored scales (forms/validation.py _score) ----------------------------------

const SCORES_KEY = '_scores';

/**
 * Return the score of one item: reverse items count from the other end.
 * @param {object} scale a scale from client_dict()
 * @param {string} item question id
 * @param {number} value the answer
 * @returns {number}
 */
export function itemScore(scale, item, value) {
  return scale.reverse.includes(item) ? scale.item_min + scale.item_max - value : value;
}

function score(scales, clean, v) {
  const scores = {};
  for (const scale of scales) {
    const missing = [];
    scale.items.forEach((item, i) => { if (!has(clean, item) && !has(v.errors, item)) missing.push(i + 1); });
    if (missing.length) {
      for (const n of missing) v.add(scale.items[n - 1], v.issueFor(null)('scale_item_missing'));
      v.add(scale.id, v.issueFor(null)('scale_incomplete', { missing: missing.join(', ') }));
      continue;
    }
    if (scale.items.some((item) => has(v.errors, item))) continue;
    scores[scale.id] = scale.items.reduce((sum, item) => sum + itemScore(scale, item, clean[item]), 0);
  }
  if (Object.keys(scores).length) clean[SCORES_KEY] = scores;
}

/**
 * Validate answers exactly as forms.validate_answers() does on the server.
 * @param {object} clientDef FormDefinition.client_dict()
 * @param {object} answers answers keyed by question id
 * @param {{members?: string[], roster?: string[], today?: string}} [context]
 *   members/roster: ids (omitted = unknown, not checked); today: YYYY-MM-DD (default: the device's date)
 * @returns {{ok: boolean, clean: object, errors: Object<string, object[]>, visible: string[]}}
 */
export function validateAnswers(clientDef, answers, context = {}) {
  const v = makeValidator(clientDef, context || {});
  const top = v.scope(questionsOf(clientDef));
  if (!isObject(answers)) {
    v.add('', v.issueFor(null)('type'));
    return { ok: false, clean: {}, errors: v.errors, visible: [] };
  }
  v.level(answers, '', top, top);
  const known = new Set(top.ids);
  if (clientDef.scales) {
    known.add(SCORES_KEY); // the phone's own score is computed again, never trusted
    score(clientDef.scales, top.clean, v);
  }
  v.unknownKeys(answers, '', known);
  const visible = top.questions.map((q) => q.id).filter((id) => !top.hidden.has(id));
  return { ok: Object.keys(v.errors).length === 0, clean: top.clean, errors: v.errors, visible };
}

/**
 * Return the ids of the top-level questions shown for `answers`.
 * @param {object} clientDef FormDefinition.client_dict()
 * @param {object} answers
 * @param {object} [context] as for validateAnswers()
 * @returns {string[]}
 */
export function visibleQuestions(clientDef, answers, context = {}) {
  return validateAnswers(clientDef, answers, context).visible;
}
