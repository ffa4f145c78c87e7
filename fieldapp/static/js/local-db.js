// The only module that touches IndexedDB. Everything the phone keeps between page loads
// lives here: the outbox, drafts, receipts, and the caseload pulled from the server.
import { openDB } from '../vendor/idb/index.js';
import { decryptJson, encryptJson, isUnlocked, sealItem, VaultLocked } from './vault.js';

/**
 * @typedef {object} OutboxRecord
 * @property {string} uuid submission UUID, made when the form opened
 * @property {number} authorId id of the user who filled it; only sent under their session
 * @property {string} createdAt ISO time it entered the outbox (FIFO order)
 * @property {'pending'|'rejected'|'refused'} state rejected: waits for the user to fix it
 * @property {object} item the ITEM of the sync API
 * @property {object} [errors] field errors of a rejected item, as the server sent them
 * @property {string} [message] the server's sentence about the last attempt
 * @property {string} [label] what the lists show (form title, family name)
 */

/**
 * Stores (the DBSchema of this database):
 * - meta: {key, value} (deviceId, user, cursor, lastSyncAt, languages, ...)
 * - outbox: OutboxRecord by uuid; indexes byUser (authorId), byCreated (createdAt)
 * - drafts: {uuid, authorId, draftKey, formId, url, fields, rows, updatedAt, ...} by uuid;
 *   index byKey (draftKey)
 * - receipts: {uuid, authorId, status, receipt, sentAt, label} by uuid; index byUser
 * - families, courses: as the pull API sends them, by id
 * - forms: FormDefinition.client_dict() by id (latest version only)
 * - due: one record {id: 'list', items, applied}: the pull's due list ("My work") and the
 *   uuids of queued forms already applied to it (due.js)
 */
export const STORES = ['meta', 'outbox', 'drafts', 'receipts', 'families', 'courses', 'forms', 'due'];

/**
 * Stores whose records name or describe a person, with the fields kept in the clear
 * (keys and indexes; ids, states, times: nothing that names anyone). Everything else of
 * a record is stored as `_enc` (AES-GCM under the data key, fresh IV); outbox and
 * receipt labels as `_label`, and an outbox item also sealed to the server (`sealed`)
 * so the sync loop can send it while the phone is locked.
 */
const CLEAR = {
  families: ['id'],
  courses: ['id'],
  due: ['id'],
  drafts: ['uuid', 'authorId', 'draftKey', 'updatedAt'],
  receipts: ['uuid', 'authorId', 'formId', 'status', 'receipt', 'message', 'sentAt', '_label'],
  outbox: ['uuid', 'authorId', 'createdAt', 'state', 'errors', 'message', 'formId', 'sealed'],
};
const HIDDEN = new Set(['_enc', '_label', 'locked']);

/**
 * Return `record` as stored: clear fields, the rest encrypted.
 * @throws {VaultLocked} for a store of people's data while the phone is locked
 */
export async function encode(store, record) {
  const clear = CLEAR[store];
  if (!clear || !record) return record;
  if (record.locked) {
    // Read while locked (only what the sync loop changes): store it back as it was.
    const { locked, ...raw } = record;
    return raw;
  }
  if (!isUnlocked()) throw new VaultLocked();
  const out = {};
  const secret = {};
  for (const [name, value] of Object.entries(record)) {
    if (HIDDEN.has(name)) continue;
    if (clear.includes(name)) out[name] = value;
    else if (name !== 'label') secret[name] = value;
  }
  // The three encryptions run side by side (WebCrypto works off the main thread).
  const seal = store === 'outbox' && record.item ? await sealKey() : null;
  const [label, sealed, body] = await Promise.all([
    'label' in record ? encryptJson(record.label || '') : null,
    seal ? sealItem(record.item, seal) : null,
    encryptJson(secret),
  ]);
  if (label) out._label = label;
  if (store === 'outbox' && record.item) out.formId = record.item.form_id;
  if (sealed) out.sealed = sealed;
  out._enc = body;
  return out;
}

let sealCache = null;

/** The server's sealing public key (meta sealKey), read once per page. */
async function sealKey() {
  if (!sealCache) sealCache = await getMeta('sealKey');
  return sealCache;
}

/** Return a stored record as the app knows it; locked: the clear fields plus locked: true. */
export async function decode(store, record) {
  if (!record || !CLEAR[store] || !(record._enc || record._label)) return record;
  if (!isUnlocked()) return { ...record, locked: true };
  const { _enc, _label, ...clear } = record;
  const out = { ...clear, ...(_enc ? await decryptJson(_enc) : {}) };
  if (_label) out.label = await decryptJson(_label);
  return out;
}

const DB_NAME = 'fieldapp';
const DB_VERSION = 2;

let dbPromise = null;

function open() {
  return openDB(DB_NAME, DB_VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        db.createObjectStore('meta', { keyPath: 'key' });
        const outbox = db.createObjectStore('outbox', { keyPath: 'uuid' });
        outbox.createIndex('byUser', 'authorId');
        outbox.createIndex('byCreated', 'createdAt');
        const drafts = db.createObjectStore('drafts', { keyPath: 'uuid' });
        drafts.createIndex('byKey', 'draftKey');
        const receipts = db.createObjectStore('receipts', { keyPath: 'uuid' });
        receipts.createIndex('byUser', 'authorId');
        db.createObjectStore('families', { keyPath: 'id' });
        db.createObjectStore('courses', { keyPath: 'id' });
        db.createObjectStore('forms', { keyPath: 'id' });
      }
      if (oldVersion < 2) db.createObjectStore('due', { keyPath: 'id' });
    },
    // Another tab opened a newer version: let it upgrade, reopen on next use.
    blocking() { forget(); },
    // iOS closes connections under memory pressure (Enketo #1576): reopen on next use.
    terminated() { dbPromise = null; },
  });
}

function forget() {
  const old = dbPromise;
  dbPromise = null;
  if (old) old.then((db) => db.close()).catch(() => {});
}

function database() {
  if (!dbPromise) {
    dbPromise = open();
    dbPromise.catch(() => { dbPromise = null; });
  }
  return dbPromise;
}

/**
 * Run `fn(tx)` in a transaction over `stores`, reopening the database once if the
 * browser closed the connection behind our back.
 * @template T
 * @param {string|string[]} stores
 * @param {'readonly'|'readwrite'} mode
 * @param {(tx: object) => Promise<T>} fn gets the idb transaction
 * @returns {Promise<T>}
 */
export async function withTx(stores, mode, fn) {
  for (let attempt = 0; ; attempt += 1) {
    let tx;
    try {
      const db = await database();
      tx = db.transaction(stores, mode);
    } catch (err) {
      // InvalidStateError: "The database connection is closing."
      if (attempt === 0 && err && err.name === 'InvalidStateError') { dbPromise = null; continue; }
      throw err;
    }
    const done = tx.done;
    done.catch(() => {}); // reported through fn's own error
    const result = await fn(tx);
    await done;
    return result;
  }
}

/** Return one record of `store` by key (decrypted), or undefined. */
export async function get(store, key) {
  return decode(store, await withTx(store, 'readonly', (tx) => tx.store.get(key)));
}

/** Return every record of `store` (optionally those with `index` equal to `value`), decrypted. */
export async function all(store, index = null, value = undefined) {
  const rows = await withTx(store, 'readonly', (tx) => (index ? tx.store.index(index).getAll(value) : tx.store.getAll()));
  return Promise.all(rows.map((row) => decode(store, row)));
}

/** Return every record of `store` as stored (encrypted parts left alone). */
export function raw(store) {
  return withTx(store, 'readonly', (tx) => tx.store.getAll());
}

/** Store `record` in `store` (insert or replace), encrypted first. */
export async function put(store, record) {
  const stored = await encode(store, record);
  return withTx(store, 'readwrite', (tx) => tx.store.put(stored));
}

/**
 * Encrypt records written before the vault (an update on a phone that had data): run
 * once after an unlock. Returns how many were encrypted.
 */
export async function encryptLegacy() {
  let count = 0;
  for (const store of Object.keys(CLEAR)) {
    const plain = (await raw(store)).filter((r) => !r._enc);
    if (!plain.length) continue;
    const encoded = await Promise.all(plain.map((r) => encode(store, r)));
    await withTx(store, 'readwrite', async (tx) => { for (const r of encoded) await tx.store.put(r); });
    count += encoded.length;
  }
  return count;
}

/** Delete the record of `store` with `key`. */
export function del(store, key) {
  return withTx(store, 'readwrite', (tx) => tx.store.delete(key));
}

/** Return the meta value `key`, or `fallback`. */
export async function getMeta(key, fallback = null) {
  const row = await get('meta', key);
  return row === undefined ? fallback : row.value;
}

/** Set the meta value `key`. */
export function setMeta(key, value) {
  if (key === 'sealKey') sealCache = value;
  return put('meta', { key, value });
}

/**
 * Apply a pull response: store changed families/courses/forms, delete those no longer visible.
 * @param {{families: object[], family_ids: string[], courses: object[], course_ids: number[],
 *          forms: object[], full: boolean}} pull
 */
export async function applyPull(pull) {
  // Encrypt first: a transaction ends when it waits for anything but IndexedDB.
  const families = await Promise.all((pull.families || []).map((r) => encode('families', r)));
  const courses = await Promise.all((pull.courses || []).map((r) => encode('courses', r)));
  // The due list comes whole: it replaces the phone's, queued forms are applied again.
  const due = Array.isArray(pull.due) ? await encode('due', { id: 'list', items: pull.due, applied: [] }) : null;
  return withTx(['families', 'courses', 'forms', 'due'], 'readwrite', async (tx) => {
    if (due) await tx.objectStore('due').put(due);
    const replace = async (name, changed, keep) => {
      const store = tx.objectStore(name);
      if (keep) {
        const wanted = new Set(keep.map(String));
        for (const key of await store.getAllKeys()) if (!wanted.has(String(key))) await store.delete(key);
      }
      for (const record of changed || []) await store.put(record);
    };
    await replace('families', families, pull.family_ids);
    await replace('courses', courses, pull.course_ids);
    // Forms come only when they changed (then the list is complete): replace them all.
    if (pull.full || (pull.forms && pull.forms.length)) {
      await replace('forms', pull.forms, (pull.forms || []).map((f) => f.id));
    }
  });
}

/**
 * Delete what the device holds for a user: caseload, forms, receipts, and unless
 * `keepQueued`, their drafts. Outbox items are never deleted here.
 * @param {number|null} userId
 * @param {{keepQueued?: boolean}} [options] keepQueued: keep drafts (default false)
 */
export function wipeUserData(userId, { keepQueued = false } = {}) {
  return withTx(['families', 'courses', 'forms', 'due', 'receipts', 'drafts', 'meta'], 'readwrite', async (tx) => {
    await tx.objectStore('families').clear();
    await tx.objectStore('due').clear();
    await tx.objectStore('courses').clear();
    await tx.objectStore('forms').clear();
    for (const key of ['cursor', 'pagesSignature', 'pagesAt', 'languages']) await tx.objectStore('meta').delete(key);
    for (const name of keepQueued ? ['receipts'] : ['receipts', 'drafts']) {
      const store = tx.objectStore(name);
      for (const record of await store.getAll()) {
        if (record.authorId === userId || userId === null) await store.delete(record.uuid);
      }
    }
  });
}

/** Delete everything, outbox included (only for a device an administrator revoked). */
export function wipeEverything() {
  return withTx(STORES, 'readwrite', async (tx) => {
    for (const name of STORES) await tx.objectStore(name).clear();
  });
}
