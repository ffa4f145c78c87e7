// The phone as a vault: the data key that encrypts every record naming a person, and the
// crypto around it (WebCrypto only). The key lives in this page's memory while unlocked;
// lock.js decides when (PIN, server recovery, idle), local-db.js uses it per record.

const enc = new TextEncoder();
const dec = new TextDecoder();
/** PBKDF2-SHA256 iterations for the PIN-derived key (OWASP 2023: 600,000). */
export const PIN_ITERATIONS = 600000;
const AES = { name: 'AES-GCM', length: 256 };
const ITEM_INFO = enc.encode('fieldapp sealed outbox item v1');

let dataKey = null;

/** True while the data key is in memory. */
export function isUnlocked() { return dataKey !== null; }
/** Use `key` (an AES-GCM CryptoKey) as the data key from now on. */
export function setKey(key) { dataKey = key; }
/** Return the data key (null when locked). */
export function currentKey() { return dataKey; }
/** Forget the data key: everything encrypted is unreadable until the next unlock. */
export function forgetKey() { dataKey = null; }

/** A record could not be read or written because the phone is locked. */
export class VaultLocked extends Error {
  constructor() { super('locked'); this.name = 'VaultLocked'; }
}

export const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
export const unb64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const random = (n) => crypto.getRandomValues(new Uint8Array(n));

/** Make a fresh random data key (AES-GCM 256, extractable only to be wrapped). */
export function newDataKey() {
  return crypto.subtle.generateKey(AES, true, ['encrypt', 'decrypt']);
}

/** Derive the key that wraps the data key from `pin` and `salt` (PBKDF2-SHA256). */
export async function pinKey(pin, salt, iterations = PIN_ITERATIONS) {
  const base = await crypto.subtle.importKey('raw', enc.encode(pin.normalize('NFC')), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey({ name: 'PBKDF2', hash: 'SHA-256', salt, iterations }, base, AES, false, ['wrapKey', 'unwrapKey']);
}

/** Import the server-held wrapping key (32 raw bytes). */
export function serverKey(raw) {
  return crypto.subtle.importKey('raw', raw, AES, false, ['wrapKey', 'unwrapKey']);
}

/** Wrap the data key with `kek`: {iv, ct} in base64. */
export async function wrap(kek, key = dataKey) {
  const iv = random(12);
  const ct = await crypto.subtle.wrapKey('raw', key, kek, { name: 'AES-GCM', iv });
  return { iv: b64(iv), ct: b64(ct) };
}

/** Unwrap a data key wrapped by wrap(); rejects (OperationError) with the wrong key. */
export function unwrap(kek, wrapped) {
  return crypto.subtle.unwrapKey('raw', unb64(wrapped.ct), kek, { name: 'AES-GCM', iv: unb64(wrapped.iv) }, AES, true, ['encrypt', 'decrypt']);
}

/**
 * Encrypt `value` (as JSON) under the data key, with a fresh IV.
 * @returns {Promise<{iv: Uint8Array, ct: ArrayBuffer}>}
 * @throws {VaultLocked}
 */
export async function encryptJson(value) {
  if (!dataKey) throw new VaultLocked();
  const iv = random(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, dataKey, enc.encode(JSON.stringify(value)));
  return { iv, ct };
}

/** Decrypt what encryptJson() made. @throws {VaultLocked} */
export async function decryptJson(blob) {
  if (!dataKey) throw new VaultLocked();
  const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: blob.iv }, dataKey, blob.ct);
  return JSON.parse(dec.decode(plain));
}

/**
 * Seal `item` to the server's public key, so it can be sent while the phone is locked
 * and read by nobody else: ephemeral ECDH P-256, HKDF-SHA256, AES-256-GCM (the server
 * side is fieldapp/vault/__init__.py).
 * @param {object} item the ITEM of the sync API
 * @param {{kid: string, key: string}} seal the server's public key (raw point, base64)
 * @returns {Promise<{v: 1, kid: string, epk: string, iv: string, ct: string}>}
 */
const serverKeys = new Map();

export async function sealItem(item, seal) {
  if (!serverKeys.has(seal.kid)) {
    serverKeys.set(seal.kid, await crypto.subtle.importKey('raw', unb64(seal.key), { name: 'ECDH', namedCurve: 'P-256' }, false, []));
  }
  const server = serverKeys.get(seal.kid);
  const mine = await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits']);
  const epk = new Uint8Array(await crypto.subtle.exportKey('raw', mine.publicKey));
  const shared = await crypto.subtle.deriveBits({ name: 'ECDH', public: server }, mine.privateKey, 256);
  const hkdf = await crypto.subtle.importKey('raw', shared, 'HKDF', false, ['deriveKey']);
  const key = await crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: epk, info: ITEM_INFO }, hkdf, AES, false, ['encrypt']);
  const iv = random(12);
  const ct = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, enc.encode(JSON.stringify(item)));
  return { v: 1, kid: seal.kid, epk: b64(epk), iv: b64(iv), ct: b64(ct) };
}

/**
 * Return why `pin` may not be used ('short', 'same', 'run'), or '' if it is fine: at
 * least 6 digits, not all one digit, not a straight run (123456, 654321); or a
 * passphrase of at least 8 characters.
 */
export function pinProblem(pin) {
  const value = String(pin || '');
  if (!/^\d+$/.test(value)) return value.trim().length >= 8 ? '' : 'short';
  if (value.length < 6) return 'short';
  if (/^(\d)\1+$/.test(value)) return 'same';
  const steps = new Set();
  for (let i = 1; i < value.length; i += 1) steps.add((Number(value[i]) - Number(value[i - 1]) + 10) % 10);
  if (steps.size === 1 && (steps.has(1) || steps.has(9))) return 'run';
  return '';
}

/** Return `n` random bytes (salts). */
export { random };
