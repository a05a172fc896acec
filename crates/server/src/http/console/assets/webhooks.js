// Keyturn support console: the webhooks section (endpoints, delivery log, redeliver). Its own ES
// module: it adds a "Webhooks" section to the search view and talks to the admin API's /webhooks
// routes under /console/api (console_api.js). The log shows each delivery's event type, the
// receiver's answer, attempts and the next retry, newest first, filtered by endpoint and state,
// with each delivery's sequence number (the `sequence` the receiver got: receivers order and
// deduplicate by endpoint and sequence, so support matches a row to the receiver's log by it),
// a page at a time (keyset paging: Older / Newer); the newest page follows the deliveries live.
// Everything shown is set with textContent; the words are i18n.js's (fixed ones carry
// data-i18n; the tables are built again after a language change).
import { t } from './i18n.js';
import { api, cellTime, clearProblem, el, headings, pager, showProblem, w } from './console_api.js';

const PAGE = 50;

const section = el('details', { id: 'webhooks', 'data-may': 'webhooks' }, w('summary', 'webhooks'));
const message = el('p', { id: 'webhooks-message', className: 'status', role: 'status' });
const problem = el('div', { id: 'webhooks-error', className: 'error', role: 'alert', hidden: true });
const endpoints = el('table', { id: 'webhook-endpoints' }, headings(['colUrl', 'colEventTypes', 'colAdded', 'colEndpointId', 'colActions']), el('tbody'));
const form = el('form', { id: 'webhook-form' },
  w('label', 'endpointUrl', { for: 'webhook-url' }),
  el('input', { id: 'webhook-url', type: 'url', required: true, placeholder: 'https://example.com/keyturn-hooks' }),
  w('label', 'eventTypes', { for: 'webhook-types' }),
  el('input', { id: 'webhook-types', required: true, value: '*' }),
  w('button', 'addEndpoint', { type: 'submit', id: 'webhook-add' }),
);
const secret = el('output', { id: 'webhook-secret', hidden: true });
const byEndpoint = el('select', { id: 'delivery-endpoint' });
const byState = el('select', { id: 'delivery-state' });
const filters = el('div', { className: 'filters' },
  el('span', {}, w('label', 'filterEndpoint', { for: 'delivery-endpoint' }), byEndpoint),
  el('span', {}, w('label', 'filterState', { for: 'delivery-state' }), byState),
);
const log = el('table', { id: 'webhook-deliveries' },
  headings(['colDelivery', 'colEndpoint', 'colSequence', 'colEventType', 'colState', 'colAttempts', 'colReceiver', 'colNextRetry', 'colActions']),
  el('tbody'),
);
const empty = w('p', 'noDeliveries', { id: 'no-deliveries', hidden: true });
const pages = pager('deliveries', () => attempt(loadLog));
section.append(problem, message, endpoints, form, secret, w('h3', 'deliveryLog'), filters, log, empty, pages.nav);

function say(text) {
  message.textContent = text;
}

async function attempt(fn) {
  say('');
  clearProblem(problem);
  try {
    await fn();
  } catch (err) {
    showProblem(problem, err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

/** The filter's options, keeping what is chosen. */
function fillFilters(list) {
  const chosen = [byEndpoint.value, byState.value];
  byEndpoint.replaceChildren(el('option', { value: '' }, t('allEndpoints')), ...list.map((e) => el('option', { value: e.id }, e.url)));
  byState.replaceChildren(
    el('option', { value: '' }, t('allStates')),
    ...['PENDING', 'DELIVERED', 'FAILED'].map((s) => el('option', { value: s }, t(s))),
  );
  byEndpoint.value = list.some((e) => e.id === chosen[0]) ? chosen[0] : '';
  byState.value = chosen[1];
}

let urls = {};

async function loadEndpoints() {
  const list = await api('GET', '/webhooks');
  urls = Object.fromEntries(list.map((e) => [e.id, e.url]));
  fillFilters(list);
  const body = endpoints.tBodies[0];
  body.replaceChildren();
  for (const e of list) {
    const remove = el('button', { type: 'button', className: 'danger' }, t('remove'));
    remove.addEventListener('click', () =>
      attempt(async () => {
        await api('DELETE', `/webhooks/${encodeURIComponent(e.id)}`);
        say(t('endpointRemoved', e.url));
        await load();
      }),
    );
    body.append(el('tr', {}, el('td', {}, e.url), el('td', {}, e.event_types.join(', ')), el('td', {}, cellTime(e.created_at)), el('td', {}, el('code', {}, e.id)), el('td', {}, remove)));
  }
}

function deliveryRow(d) {
  const again = el('button', { type: 'button', className: 'redeliver' }, t('redeliver'));
  again.addEventListener('click', () =>
    attempt(async () => {
      await api('POST', `/webhooks/deliveries/${d.id}/redeliver`);
      say(t('requeued', d.id));
      await loadLog();
    }),
  );
  const receiver = d.last_status ?? d.last_error ?? '—';
  const next = d.state === 'PENDING' ? cellTime(d.next_at) : d.state === 'DELIVERED' ? t('deliveredAt', cellTime(d.delivered_at)) : t('givenUp');
  const endpoint = el('td', { title: d.endpoint_id }, urls[d.endpoint_id] ?? d.endpoint_id);
  // None until the worker first claims it (also after a redeliver: it gets a new number).
  const sequence = el('td', { className: 'sequence' }, d.sequence ?? '—');
  const type = el('td', { className: 'event-type' }, el('code', {}, d.event_type ?? '—'), ' ', el('small', {}, t('eventNumber', d.event_id)));
  const row = el('tr', { className: d.state === 'FAILED' ? 'refused' : '' },
    el('td', {}, d.id), endpoint, sequence, type, el('td', { 'data-state': d.state }, t(d.state) ?? d.state),
    el('td', {}, d.attempts), el('td', { className: 'receiver' }, receiver), el('td', {}, next), el('td', {}, again));
  row.dataset.id = d.id;
  row.dataset.event = d.event_id;
  return row;
}

async function loadLog() {
  const query = new URLSearchParams({ limit: String(PAGE) });
  if (byEndpoint.value) query.set('endpoint_id', byEndpoint.value);
  if (byState.value) query.set('state', byState.value);
  if (pages.before !== null) query.set('before', String(pages.before));
  const page = await api('GET', `/webhooks/deliveries?${query}`);
  log.tBodies[0].replaceChildren(...page.deliveries.map(deliveryRow));
  empty.hidden = page.deliveries.length !== 0;
  pages.shown(page.next_before);
}

async function load() {
  await loadEndpoints();
  await loadLog();
}

for (const select of [byEndpoint, byState]) {
  select.addEventListener('change', () => {
    pages.reset();
    attempt(loadLog);
  });
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const types = document.getElementById('webhook-types').value.split(',').map((t) => t.trim()).filter(Boolean);
    const created = await api('POST', '/webhooks', { url: document.getElementById('webhook-url').value.trim(), event_types: types });
    secret.textContent = t('signingSecret', created.secret);
    secret.hidden = false;
    document.getElementById('webhook-url').value = '';
    say(t('endpointAdded', created.url));
    await load();
  });
});

section.addEventListener('toggle', () => {
  if (section.open) attempt(load);
});

// While the section is open the newest page follows the deliveries (older pages stay put; a
// failed refresh says why once).
setInterval(() => {
  if (section.open && pages.onFirst && problem.hidden) loadLog().catch(() => attempt(loadLog));
}, 2000);

document.getElementById('search-view').append(section);

window.addEventListener('keyturn:language', () => {
  if (section.open) attempt(load);
});
