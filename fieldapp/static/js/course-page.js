// The course page kept for offline use (?shell=1) carries no names: the roster, each
// student's attendance rate and runs of absences come from the last pull (IndexedDB).
import { t } from './i18n.js';
import { get } from './local-db.js';

const ABSENT_RUN = 3;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children);
  return node;
}

/**
 * Fill the course shell page from the course the phone pulled.
 * @param {HTMLElement} page the element with data-course-shell="<course id>"
 */
export async function renderCoursePage(page) {
  const course = await get('courses', Number(page.dataset.courseShell));
  const title = page.querySelector('[data-course-name]');
  const list = page.querySelector('[data-course-roster]');
  if (!course) {
    list.replaceChildren(el('li', { className: 'muted', textContent: t('This course is not on this phone.') }));
    return;
  }
  title.textContent = course.name;
  document.title = course.name;
  list.replaceChildren();
  for (const student of course.roster) {
    const li = el('li', {}, el('span', { textContent: student.full_name }));
    li.dataset.studentRow = student.id;
    const rate = typeof student.rate === 'number'
      ? t('attended %(rate)s%% (%(attended)s of %(counted)s)', { rate: student.rate, attended: student.attended, counted: student.counted })
      : t('no attendance yet');
    li.append(' ', el('span', { className: 'muted', textContent: rate }));
    if ((student.absent_run || 0) >= ABSENT_RUN) {
      li.classList.add('streak');
      li.dataset.streak = String(student.absent_run);
      li.append(' ', el('strong', { className: 'warn', textContent: t('absent %(num)s times in a row', { num: student.absent_run }) }));
    }
    list.append(li);
  }
  if (!course.roster.length) list.append(el('li', { className: 'muted', textContent: t('Nobody is enrolled yet.') }));
}
