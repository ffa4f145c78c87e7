// Alphabetical order in each form language, without relying on the browser's locale
// data (this Chromium lacks Albanian). Mirrors forms/collation.py: Serbian Cyrillic
// "Ђ Ј Љ Њ Ћ Џ" in their places, Albanian "ç ë" after "c e", digraphs as one letter.

const ALPHABETS = {
  sq: 'a b c ç d dh e ë f g gj h i j k l ll m n nj o p q r rr s sh t th u v x xh y z zh'.split(' '),
  sr_Latn: 'a b c č ć d dž đ e f g h i j k l lj m n nj o p r s š t u v z ž'.split(' '),
  sr_Cyrl: 'а б в г д ђ е ж з и ј к л љ м н њ о п р с т ћ у ф х ц ч џ ш'.split(' '),
  en: 'abcdefghijklmnopqrstuvwxyz'.split(''),
};

const normalize = (locale) => (Object.hasOwn(ALPHABETS, locale) ? locale : (String(locale).startsWith('sr') ? 'sr_Latn' : 'sq'));

/**
 * A key that orders `text` alphabetically in `locale` (as forms.collation.sort_key).
 * @param {string} text
 * @param {string} locale sq, sr_Latn, sr_Cyrl or en
 * @returns {number[]}
 */
export function sortKey(text, locale) {
  const letters = ALPHABETS[normalize(locale)];
  const index = new Map(letters.map((l, i) => [l, i]));
  const longest = Math.max(...letters.map((l) => l.length));
  const lowered = text.toLowerCase();
  const key = [];
  let i = 0;
  while (i < lowered.length) {
    let matched = false;
    for (let size = longest; size > 0; size -= 1) {
      const piece = lowered.slice(i, i + size);
      if (piece.length === size && index.has(piece)) {
        key.push(1 + index.get(piece) * 2);
        i += size;
        matched = true;
        break;
      }
    }
    if (matched) continue;
    const char = lowered[i];
    const base = char.normalize('NFD')[0];
    if (/\s/.test(char) || char === '-' || char === '–') key.push(0);
    else if (index.has(base)) key.push(2 + index.get(base) * 2);
    else key.push(1000 + char.codePointAt(0));
    i += 1;
  }
  return key;
}

/** Compare two texts alphabetically in `locale` (for Array.prototype.sort). */
export function compare(a, b, locale) {
  const x = sortKey(a, locale);
  const y = sortKey(b, locale);
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  if (x.length !== y.length) return x.length - y.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The surname of a full name (its last word), for rosters sorted by surname. */
export function surnameFirst(fullName) {
  const words = String(fullName).trim().split(/\s+/);
  return [words[words.length - 1], ...words.slice(0, -1)].join(' ');
}
