// "All licenses" (#licenses): the paged list with filters and order, CSV of the filtered list,
// and bulk suspend / extend of the whole filtered list after a confirmation that names the
// count. Also the header's language switch (the console's words: i18n.js).
import { LANGUAGES, date, language, setLanguage, t } from './i18n.js';
import { api, ask, clearProblem, el, showProblem } from './console_api.js';

const view = document.querySelector('#licenses-view');
let products = [];
let policies = [];
/** The filters as sent (a query string without limit/after), the count and the next cursor. */
let shown = { query: '', filter: {}, total: 0, next: null };
const PAGE = 50;

function option(value, label, selected) {
  return el('option', { value, selected: value === selected }, label);
}

function field(id, label, control) {
  return el('div', { className: 'field' }, el('label', { for: id }, label), control);
}

/** The filters of the form, as the API takes them. */
function readFilter() {
  const filter = {};
  const value = (id) => view.querySelector(`#${id}`).value.trim();
  if (value('f-status')) filter.status = value('f-status');
  if (value('f-product')) filter.product_id = value('f-product');
  if (value('f-policy')) filter.policy_id = value('f-policy');
  const days = Number(value('f-days'));
  if (value('f-days') && Number.isFinite(days) && days > 0) {
    filter.expires_before = Math.floor(Date.now() / 1000) + Math.round(days * 86400);
  }
  // A date field is a day in UTC (the server's times are UTC).
  const dayStart = (id) => Math.floor(Date.parse(`${value(id)}T00:00:00Z`) / 1000);
  if (value('f-created-after')) filter.created_after = dayStart('f-created-after');
  if (value('f-created-before')) filter.created_before = dayStart('f-created-before');
  if (view.querySelector('#f-full').checked) filter.seats_full = true;
  if (value('f-text')) filter.q = value('f-text');
  filter.sort = value('f-sort') || 'newest';
  return filter;
}

function queryOf(filter) {
  return Object.entries(filter)
    .map(([k, v]) => `${k}=${encodeURIComponent(v)}`)
    .join('&');
}

function row(l) {
  const owner = [l.owner_name, l.owner_email].filter(Boolean).join(' · ') || '—';
  return el(
    'tr',
    { 'data-id': l.id },
    el('td', {}, el('a', { href: `#license/${l.id}` }, `${l.key_prefix}-…`)),
    el('td', {}, owner),
    el('td', {}, `${l.product_name} / ${l.policy_name}`),
    el('td', { className: 'status-cell', 'data-status': l.status }, t(l.status)),
    el('td', {}, t('seatsOf', l.seats_used, l.seats_max)),
    el('td', {}, date(l.expires_at)),
  );
}

async function load(append) {
  const box = view.querySelector('#licenses-error');
  clearProblem(box);
  try {
    const after = append && shown.next ? `&after=${encodeURIComponent(shown.next)}` : '';
    const page = await api('GET', `/licenses/page?${shown.query}&limit=${PAGE}${after}`);
    const body = view.querySelector('#licenses-table tbody');
    if (append) body.append(...page.licenses.map(row));
    else body.replaceChildren(...page.licenses.map(row));
    shown.total = page.total;
    shown.next = page.next || null;
    view.querySelector('#licenses-count').textContent = page.total ? t('count', page.total) : t('none');
    view.querySelector('#licenses-table').hidden = page.total === 0;
    view.querySelector('#licenses-more').hidden = !shown.next;
    view.querySelector('#licenses-bulk').hidden = page.total === 0;
    view.querySelector('#bulk-legend').textContent = t('bulk', page.total);
    view.querySelector('#licenses-csv').href = `/console/api/licenses/export.csv?${shown.query}`;
  } catch (err) {
    showProblem(box, err);
  }
}

async function bulk(action) {
  const box = view.querySelector('#licenses-error');
  clearProblem(box);
  const days = Number(view.querySelector('#bulk-days').value);
  const extend = action === 'extend';
  if (extend && !(Number.isInteger(days) && days >= 1 && days <= 3650)) {
    showProblem(box, { code: 'BAD_REQUEST', message: 'days: a whole number from 1 to 3650' });
    return;
  }
  const answer = await ask({
    title: extend ? t('confirmExtendAll', shown.total, days) : t('confirmSuspendAll', shown.total),
    body: t('confirmAllBody'),
    confirm: t('yes'),
    withReason: true,
    testid: 'confirm-bulk',
  });
  if (!answer) return;
  try {
    const body = { action, filter: shown.filter, confirm_total: shown.total, reason: answer.reason };
    if (extend) body.secs = days * 86400;
    const done = await api('POST', '/licenses/bulk', body);
    await load(false);
    view.querySelector('#licenses-status').textContent = t('bulkDone', done.changed, done.skipped);
  } catch (err) {
    showProblem(box, err);
  }
}

/** Builds the page in the current language (again after a language change). */
function render() {
  const status = view.querySelector('#f-status')?.value || '';
  const sort = view.querySelector('#f-sort')?.value || 'newest';
  const form = el(
    'form',
    { id: 'licenses-filters', className: 'filters', 'aria-label': t('filters') },
    field('f-status', t('status'), el('select', { id: 'f-status' }, option('', t('any'), status),
      ['ACTIVE', 'EXPIRED', 'SUSPENDED', 'REVOKED'].map((s) => option(s, t(s), status)))),
    field('f-product', t('product'), el('select', { id: 'f-product' }, option('', t('any')),
      products.map((p) => option(p.id, p.name)))),
    field('f-policy', t('policy'), el('select', { id: 'f-policy' }, option('', t('any')),
      policies.map((p) => option(p.id, `${p.name} (${p.product_id})`)))),
    field('f-days', t('expiringWithin'), el('input', { id: 'f-days', type: 'number', min: 1, max: 3650 })),
    field('f-text', t('text'), el('input', { id: 'f-text', type: 'search', maxLength: 320 })),
    field('f-created-after', t('createdAfter'), el('input', { id: 'f-created-after', type: 'date' })),
    field('f-created-before', t('createdBefore'), el('input', { id: 'f-created-before', type: 'date' })),
    field('f-sort', t('sort'), el('select', { id: 'f-sort' },
      ['newest', 'expiring', 'owner'].map((s) => option(s, t(s), sort)))),
    el('div', { className: 'field check' }, el('input', { id: 'f-full', type: 'checkbox' }), el('label', { for: 'f-full' }, t('seatsFull'))),
    el('button', { type: 'submit', id: 'licenses-show' }, t('show')),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    shown.filter = readFilter();
    shown.query = queryOf(shown.filter);
    load(false);
  });
  const more = el('button', { type: 'button', id: 'licenses-more', hidden: true }, t('more'));
  more.addEventListener('click', () => load(true));
  const suspendAll = el('button', { type: 'button', className: 'danger', id: 'bulk-suspend' }, t('bulkSuspend'));
  suspendAll.addEventListener('click', () => bulk('suspend'));
  const extendAll = el('button', { type: 'button', id: 'bulk-extend' }, t('bulkExtend'));
  extendAll.addEventListener('click', () => bulk('extend'));
  view.replaceChildren(
    el('h2', { id: 'licenses-heading', tabIndex: -1 }, t('title')),
    el('div', { id: 'licenses-error', className: 'error', role: 'alert', hidden: true }),
    form,
    el('p', { id: 'licenses-status', className: 'status', role: 'status' }),
    el('p', { id: 'licenses-count' }),
    el('p', {}, el('a', { id: 'licenses-csv', href: '#', download: 'licenses.csv' }, t('csv'))),
    el('table', { id: 'licenses-table', hidden: true },
      el('caption', { className: 'visually-hidden' }, t('title')),
      el('thead', {}, el('tr', {}, [t('key'), t('ownerCol'), t('productPolicy'), t('status'), t('seats'), t('expires')].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody')),
    more,
    el('fieldset', { id: 'licenses-bulk', hidden: true },
      el('legend', { id: 'bulk-legend' }),
      field('bulk-days', t('byDays'), el('input', { id: 'bulk-days', type: 'number', min: 1, max: 3650, value: 30 })),
      el('div', { className: 'actions' }, extendAll, suspendAll)),
  );
}

/** The header's language switch: every page module re-renders in the new language. */
function languageSwitch() {
  const select = el('select', { id: 'language' }, Object.entries(LANGUAGES).map(([code, name]) => option(code, name, language())));
  select.addEventListener('change', () => {
    setLanguage(select.value);
    window.dispatchEvent(new Event('keyturn:language'));
  });
  const nav = el('nav', { 'aria-label': t('navLicenses') },
    el('a', { href: '#', id: 'nav-search' }, t('navSearch')),
    el('a', { href: '#licenses', id: 'nav-licenses' }, t('navLicenses')),
    el('label', { for: 'language', className: 'language' }, t('language')),
    select);
  document.querySelector('header h1').after(nav);
  window.addEventListener('keyturn:language', () => {
    nav.setAttribute('aria-label', t('navLicenses'));
    nav.querySelector('#nav-search').textContent = t('navSearch');
    nav.querySelector('#nav-licenses').textContent = t('navLicenses');
    nav.querySelector('.language').textContent = t('language');
  });
}

// console.js shows the view and says so; the first time the filters are filled from the server.
window.addEventListener('keyturn:licenses', async () => {
  if (!products.length) {
    try {
      [products, policies] = await Promise.all([api('GET', '/products'), api('GET', '/policies')]);
    } catch (err) {
      showProblem(view.querySelector('#licenses-error'), err);
    }
  }
  render();
  shown.filter = readFilter();
  shown.query = queryOf(shown.filter);
  await load(false);
  view.querySelector('#licenses-heading').focus();
});

window.addEventListener('keyturn:language', () => {
  if (view.hidden) return;
  render();
  load(false);
});

document.documentElement.lang = language();
languageSwitch();
render();
