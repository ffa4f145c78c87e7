/**
 * Quick exit and a short back history, for people who may be watched.
 *
 * - The quick-exit button (and pressing Escape twice) blanks the screen at once and
 *   replaces this page with a neutral site, so "Back" does not return here.
 * - In-app links and the sign-in form navigate with location.replace(), so the tab's
 *   history never holds a trail of fieldapp pages to go back through.
 */

const body = document.body;
const NEUTRAL = body.dataset.quickExit || 'https://www.google.com/';
const ESCAPE_WINDOW_MS = 800; // two presses of Escape within this many milliseconds

/** Leave now: hide everything, then replace this history entry with the neutral site. */
export function quickExit() {
  body.hidden = true;
  // Lock the vault too: the service worker forgets the data key (lock.js, sw.js).
  if (navigator.serviceWorker && navigator.serviceWorker.controller) navigator.serviceWorker.controller.postMessage({ type: 'VAULT_FORGET' });
  document.title = '';
  window.location.replace(NEUTRAL);
}

const button = document.getElementById('quick-exit');
if (button) {
  button.addEventListener('click', (event) => {
    event.preventDefault();
    quickExit();
  });
}

let lastEscape = 0;
document.addEventListener('keydown', (event) => {
  if (event.key !== 'Escape') return;
  const now = Date.now();
  if (now - lastEscape < ESCAPE_WINDOW_MS) quickExit();
  lastEscape = now;
});

document.addEventListener('click', (event) => {
  const link = event.target instanceof Element ? event.target.closest('a[href]') : null;
  if (!link || link.id === 'quick-exit' || link.target || link.hasAttribute('download')) return;
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  const url = new URL(link.href, window.location.href);
  if (url.origin !== window.location.origin) return;
  if (url.pathname === window.location.pathname && url.search === window.location.search && url.hash) return;
  event.preventDefault();
  window.location.replace(url.href);
});

// Sign in without adding the login page to the history: post with fetch, then replace.
const login = document.querySelector('form[data-replace-history]');
if (login) {
  login.addEventListener('submit', async (event) => {
    event.preventDefault();
    let response;
    try {
      response = await fetch(login.action, { method: 'POST', body: new FormData(login), credentials: 'same-origin' });
    } catch {
      login.submit(); // offline or network error: let the browser show what happens
      return;
    }
    if (response.redirected) {
      window.location.replace(response.url);
      return;
    }
    // A refusal (wrong password, throttled): show the server's page in place.
    const html = await response.text();
    const doc = new DOMParser().parseFromString(html, 'text/html');
    const main = doc.getElementById('main');
    if (main) {
      document.getElementById('main').replaceWith(main);
      main.querySelector('[role=alert]')?.focus?.();
      document.dispatchEvent(new CustomEvent('fieldapp:replaced-main'));
    } else {
      login.submit();
    }
  });
}
