// The outbox: a FIFO of submissions waiting for the server. An item leaves it only after
// the server acknowledged it (accepted, duplicate or conflict). Retention: unlimited —
// nothing here ever expires or is dropped silently; rejected and refused items stay.
import { noteQueued } from './due.js';
import { all, del, get, put, withTx } from './local-db.js';

/** Results after which the device may forget an item: the server holds it safely. */
export const ACKNOWLEDGED = new Set(['accepted', 'duplicate', 'conflict']);

/**
 * Put a submission in the outbox (replacing an earlier version with the same uuid,
 * e.g. a rejected item the user fixed).
 * @param {object} item the ITEM of the sync API (uuid, form_id, ..., author_id, answers)
 * @param {{label?: string}} [extra] label: a short text for lists (form title, family)
 * @returns {Promise<object>} the stored OutboxRecord
 */
export async function enqueue(item, { label = '' } = {}) {
  // As stored (no decryption): only its createdAt is wanted.
  const old = await withTx('outbox', 'readonly', (tx) => tx.store.get(item.uuid));
  const record = {
    uuid: item.uuid,
    authorId: item.author_id,
    createdAt: old ? old.createdAt : new Date().toISOString(),
    state: 'pending',
    item,
    label,
    errors: null,
    message: '',
  };
  await put('outbox', record);
  // "My work" changes at once (the item leaves, or its next date moves); never a reason
  // for the form not to be queued.
  try { await noteQueued(item); } catch (err) { /* the list catches up at the next pull */ }
  return record;
}

/**
 * Return the outbox records in FIFO order (oldest first).
 * @param {{userId?: number|null, states?: string[]}} [filter] userId: only that author;
 *   states: only these states (default: all)
 * @returns {Promise<object[]>}
 */
export async function list({ userId = null, states = null } = {}) {
  const records = userId === null ? await all('outbox') : await all('outbox', 'byUser', userId);
  return records
    .filter((r) => !states || states.includes(r.state))
    .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
}

/** Return the items the sync loop should send for `userId` (pending and refused), oldest first. */
export function sendable(userId) {
  return list({ userId, states: ['pending', 'refused'] });
}

/** Return one outbox record by uuid, or undefined. */
export function find(uuid) {
  return get('outbox', uuid);
}

/**
 * Record the server's verdicts: acknowledged items move to receipts, rejected ones stay
 * with their errors, refused ones stay to be sent again.
 * @param {object[]} results RESULT objects of a push response
 * @returns {Promise<{sent: object[], rejected: object[], refused: object[]}>}
 */
export function applyResults(results) {
  return withTx(['outbox', 'receipts'], 'readwrite', async (tx) => {
    const outbox = tx.objectStore('outbox');
    const receipts = tx.objectStore('receipts');
    const summary = { sent: [], rejected: [], refused: [] };
    for (const result of results) {
      const record = await outbox.get(result.uuid);
      if (!record) continue;
      if (ACKNOWLEDGED.has(result.status)) {
        const receipt = {
          uuid: record.uuid,
          authorId: record.authorId,
          // Copied as stored: the label stays encrypted, so this works while locked.
          formId: record.formId || (record.item && record.item.form_id),
          ...(record._label ? { _label: record._label } : { label: record.label || '' }),
          status: result.status,
          receipt: result.receipt || null,
          message: result.message || '',
          sentAt: new Date().toISOString(),
        };
        await receipts.put(receipt);
        await outbox.delete(record.uuid);
        summary.sent.push(receipt);
      } else {
        record.state = result.status === 'rejected' ? 'rejected' : 'refused';
        record.errors = result.errors || {};
        record.message = result.message || '';
        await outbox.put(record);
        summary[result.status === 'rejected' ? 'rejected' : 'refused'].push(record);
      }
    }
    return summary;
  });
}

/** Remove a receipt (the outbox item itself is gone already). */
export function forgetReceipt(uuid) {
  return del('receipts', uuid);
}
