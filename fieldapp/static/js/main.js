/** Page start-up: quick exit. */
const exit = document.getElementById('quick-exit');
if (exit) {
  exit.addEventListener('click', (event) => {
    event.preventDefault();
    // replace() leaves no entry of this page in the back history.
    window.location.replace(document.body.dataset.quickExit || exit.href);
  });
}
