// Keyturn support console: the webhooks section (endpoints, delivery log, redeliver). Its own ES
// module beside console.js: it adds a "Webhooks" section to the search view and talks to the
// admin API's /webhooks routes under /console/api with the session's CSRF token.
// Everything shown is set with textContent; the words are i18n.js's (fixed ones carry
// data-i18n; the tables are built again after a language change).
import { dateTime, t } from './i18n.js';
import { clearProblem, el, showProblem } from './console_api.js';

const API = '/console/api';

function when(unix) {
  return unix === null || unix === undefined ? '—' : dateTime(unix);
}

/** An element whose text is the words for `key` (kept in step with the language). */
function w(tag, key, props) {
  return el(tag, { ...props, 'data-i18n': key }, t(key));
}

async function call(method, path, body) {
  const headers = {};
  const session = await fetch(API + '/session', { credentials: 'same-origin' });
  if (session.ok) headers['X-CSRF-Token'] = (await session.json()).csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(API + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw { code: 'OFFLINE', message: String(e) };
  }
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) throw data && data.code ? data : { code: 'INTERNAL', message: `answer ${response.status}` };
  return data;
}

/** Column headings (the last, over the row's button, is read by screen readers only). */
function headings(keys) {
  const cells = keys.map((key) => el('th', { scope: 'col' }, w('span', key)));
  cells.push(el('th', { scope: 'col' }, w('span', 'colActions', { className: 'visually-hidden' })));
  return el('thead', {}, el('tr', {}, cells));
}

const section = el('details', { id: 'webhooks', 'data-may': 'webhooks' }, w('summary', 'webhooks'));
const message = el('p', { id: 'webhooks-message', className: 'status', role: 'status' });
const problem = el('div', { id: 'webhooks-error', className: 'error', role: 'alert', hidden: true });
const endpoints = el('table', { id: 'webhook-endpoints' }, headings(['colUrl', 'colEventTypes', 'colAdded', 'colEndpointId']), el('tbody'));
const form = el('form', { id: 'webhook-form' },
  w('label', 'endpointUrl', { for: 'webhook-url' }),
  el('input', { id: 'webhook-url', type: 'url', required: true, placeholder: 'https://example.com/keyturn-hooks' }),
  w('label', 'eventTypes', { for: 'webhook-types' }),
  el('input', { id: 'webhook-types', required: true, value: '*' }),
  w('button', 'addEndpoint', { type: 'submit', id: 'webhook-add' }),
);
const secret = el('output', { id: 'webhook-secret', hidden: true });
const log = el('table', { id: 'webhook-deliveries' },
  headings(['colDelivery', 'colEndpoint', 'colEvent', 'colState', 'colAttempts', 'colLastAnswer', 'colNextTry']),
  el('tbody'),
);
section.append(problem, message, endpoints, form, secret, w('h3', 'deliveryLog'), log);

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

async function load() {
  const list = await call('GET', '/webhooks');
  const body = endpoints.tBodies[0];
  body.replaceChildren();
  for (const e of list) {
    const remove = el('button', { type: 'button', className: 'danger' }, t('remove'));
    remove.addEventListener('click', () =>
      attempt(async () => {
        await call('DELETE', `/webhooks/${encodeURIComponent(e.id)}`);
        say(t('endpointRemoved', e.url));
        await load();
      }),
    );
    body.append(el('tr', {}, el('td', {}, e.url), el('td', {}, e.event_types.join(', ')), el('td', {}, when(e.created_at)), el('td', {}, el('code', {}, e.id)), el('td', {}, remove)));
  }
  const page = await call('GET', '/webhooks/deliveries?limit=50');
  const rows = log.tBodies[0];
  rows.replaceChildren();
  for (const d of page.deliveries) {
    const again = el('button', { type: 'button' }, t('redeliver'));
    again.addEventListener('click', () =>
      attempt(async () => {
        await call('POST', `/webhooks/deliveries/${d.id}/redeliver`);
        say(t('requeued', d.id));
        await load();
      }),
    );
    const answer = d.last_status ?? d.last_error ?? '—';
    const next = d.state === 'PENDING' ? when(d.next_at) : d.state === 'DELIVERED' ? t('deliveredAt', when(d.delivered_at)) : t('givenUp');
    rows.append(
      el('tr', { className: d.state === 'FAILED' ? 'refused' : '' },
        el('td', {}, d.id), el('td', {}, el('code', {}, d.endpoint_id)), el('td', {}, d.event_id), el('td', { 'data-state': d.state }, t(d.state) ?? d.state),
        el('td', {}, d.attempts), el('td', {}, answer), el('td', {}, next), el('td', {}, again)),
    );
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const types = document.getElementById('webhook-types').value.split(',').map((t) => t.trim()).filter(Boolean);
    const created = await call('POST', '/webhooks', { url: document.getElementById('webhook-url').value.trim(), event_types: types });
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

// While the section is open the log follows the deliveries (a failed refresh says why once).
setInterval(() => {
  if (section.open && problem.hidden) load().catch(() => attempt(load));
}, 2000);

document.getElementById('search-view').append(section);

window.addEventListener('keyturn:language', () => {
  if (section.open) attempt(load);
});
