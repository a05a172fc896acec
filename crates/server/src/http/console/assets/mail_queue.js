// Keyturn support console: the queue of key emails (sent after a purchase): recipient, license,
// state, attempts, the last error, newest first, filtered by state, a page at a time. The key
// itself is never shown (the server never sends it). An email given up can be sent again
// (Resend: a staff action, logged with who did it); a sent one's key is not kept, so it cannot.
// Its own ES module: a section of the search view; words from i18n.js.
import { t } from './i18n.js';
import { api, cellTime, clearProblem, el, headings, pager, showProblem, w } from './console_api.js';

const PAGE = 50;

const section = el('details', { id: 'mail-queue' }, w('summary', 'mailQueue'));
const message = el('p', { id: 'mail-message', className: 'status', role: 'status' });
const problem = el('div', { id: 'mail-error', className: 'error', role: 'alert', hidden: true });
const byState = el('select', { id: 'mail-state' });
const table = el('table', { id: 'mail-table' },
  headings(['colRecipient', 'colLicense', 'colState', 'colAttempts', 'colLastError', 'colQueued', 'colSentOrNext', 'colActions']),
  el('tbody'),
);
const empty = w('p', 'noMails', { id: 'no-mails', hidden: true });
const pages = pager('mails', () => attempt(load));
section.append(
  w('p', 'mailQueueHint'),
  problem,
  message,
  el('div', { className: 'filters' }, el('span', {}, w('label', 'filterState', { for: 'mail-state' }), byState)),
  table,
  empty,
  pages.nav,
);

async function attempt(fn) {
  message.textContent = '';
  clearProblem(problem);
  try {
    await fn();
  } catch (err) {
    showProblem(problem, err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

function fillFilter() {
  const chosen = byState.value;
  byState.replaceChildren(
    el('option', { value: '' }, t('allStates')),
    ...['PENDING', 'SENT', 'FAILED'].map((s) => el('option', { value: s }, t(s))),
  );
  byState.value = chosen;
}

function mailRow(m) {
  const to = m.to_name ? `${m.to_name} <${m.to_email}>` : m.to_email;
  const license = el('a', { href: `#license/${encodeURIComponent(m.license_id)}` }, el('code', {}, m.license_id));
  const next = m.state === 'SENT' ? t('sentAt', cellTime(m.sent_at)) : m.state === 'PENDING' ? t('nextTryAt', cellTime(m.next_at)) : t('givenUp');
  const actions = el('td', {});
  if (m.state === 'FAILED') {
    const resend = el('button', { type: 'button', className: 'resend', 'data-may': 'resend_mail' }, t('resend'));
    resend.addEventListener('click', () =>
      attempt(async () => {
        await api('POST', `/mails/${encodeURIComponent(m.license_id)}/resend`);
        await load();
        message.textContent = t('resent', m.to_email);
      }),
    );
    actions.append(resend);
  }
  const row = el('tr', { className: m.state === 'FAILED' ? 'refused' : '' },
    el('td', {}, to), el('td', {}, license, ' ', el('small', {}, m.product_name)), el('td', { 'data-state': m.state }, t(m.state)),
    el('td', {}, m.attempts), el('td', { className: 'last-error' }, m.last_error || '—'), el('td', {}, cellTime(m.created_at)),
    el('td', {}, next), actions);
  row.dataset.license = m.license_id;
  return row;
}

async function load() {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (byState.value) query.set('state', byState.value);
  if (pages.before !== null) query.set('before', pages.before);
  const page = await api('GET', `/mails?${query}`);
  table.tBodies[0].replaceChildren(...page.mails.map(mailRow));
  empty.hidden = page.mails.length !== 0;
  pages.shown(page.next_before);
}

byState.addEventListener('change', () => {
  pages.reset();
  attempt(load);
});

section.addEventListener('toggle', () => {
  if (section.open) attempt(load);
});

// The newest page follows the queue while open (older pages stay put).
setInterval(() => {
  if (section.open && pages.onFirst && problem.hidden) load().catch(() => attempt(load));
}, 2000);

fillFilter();
document.getElementById('search-view').append(section);

window.addEventListener('keyturn:language', () => {
  fillFilter();
  if (section.open) attempt(load);
});
