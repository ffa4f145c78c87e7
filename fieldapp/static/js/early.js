// Loaded as a classic script in <head>, before the body is drawn: marks the page as
// scripted at once, so styles for script-only parts (.js) apply from the first paint
// and nothing moves when the modules start (no layout shift). Nothing else belongs here.
document.documentElement.classList.add('js');
