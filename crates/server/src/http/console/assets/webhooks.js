// Keyturn support console: the webhooks section (endpoints, delivery log, redeliver). Its own ES
// module beside console.js: it adds a "Webhooks" section to the search view and talks to the
// admin API's /webhooks routes under /console/api with the session's CSRF token.
// Everything shown is set with textContent.

const API = '/console/api';

const WORDS = {
  UNAUTHORIZED: 'Not signed in, or the session has ended.',
  NOT_FOUND: 'That endpoint or delivery no longer exists.',
  BAD_REQUEST: 'Something in the form is not right.',
  OFFLINE: 'The server cannot be reached. Check the connection and try again.',
  INTERNAL: 'The server had a problem. Try again; if it persists, check its log.',
};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function when(unix) {
  if (unix === null || unix === undefined) return '—';
  return new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
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

const section = el('details', { id: 'webhooks' }, el('summary', {}, 'Webhooks'));
const message = el('p', { id: 'webhooks-message', role: 'status' });
const endpoints = el('table', { id: 'webhook-endpoints' });
endpoints.append(el('thead', {}, el('tr', {}, ...['URL', 'Event types', 'Added', 'Endpoint id', ''].map((h) => el('th', {}, h)))), el('tbody'));
const form = el('form', { id: 'webhook-form' });
form.append(
  el('label', { htmlFor: 'webhook-url' }, 'Endpoint URL'),
  el('input', { id: 'webhook-url', type: 'url', required: true, placeholder: 'https://example.com/keyturn-hooks' }),
  el('label', { htmlFor: 'webhook-types' }, 'Event types (comma-separated, or * for every event)'),
  el('input', { id: 'webhook-types', required: true, value: '*' }),
  el('button', { type: 'submit', id: 'webhook-add' }, 'Add endpoint'),
);
const secret = el('output', { id: 'webhook-secret', hidden: true });
const log = el('table', { id: 'webhook-deliveries' });
log.append(
  el('thead', {}, el('tr', {}, ...['Delivery', 'Endpoint', 'Event', 'State', 'Attempts', 'Last answer', 'Next try', ''].map((h) => el('th', {}, h)))),
  el('tbody'),
);
section.append(message, endpoints, form, secret, el('h3', {}, 'Delivery log'), log);

function say(text, isError) {
  message.textContent = text;
  message.className = isError ? 'error' : 'status';
}

async function attempt(fn) {
  say('');
  try {
    await fn();
  } catch (err) {
    const e = err && err.code ? err : { code: 'INTERNAL', message: String(err) };
    say(`${WORDS[e.code] ? WORDS[e.code] + ' ' : ''}${e.message} (${e.code})`, true);
  }
}

async function load() {
  const list = await call('GET', '/webhooks');
  const body = endpoints.tBodies[0];
  body.replaceChildren();
  for (const e of list) {
    const remove = el('button', { type: 'button', className: 'danger' }, 'Remove');
    remove.addEventListener('click', () =>
      attempt(async () => {
        await call('DELETE', `/webhooks/${encodeURIComponent(e.id)}`);
        say(`Endpoint ${e.url} removed.`);
        await load();
      }),
    );
    body.append(el('tr', {}, el('td', {}, e.url), el('td', {}, e.event_types.join(', ')), el('td', {}, when(e.created_at)), el('td', {}, el('code', {}, e.id)), el('td', {}, remove)));
  }
  const page = await call('GET', '/webhooks/deliveries?limit=50');
  const rows = log.tBodies[0];
  rows.replaceChildren();
  for (const d of page.deliveries) {
    const again = el('button', { type: 'button' }, 'Redeliver');
    again.addEventListener('click', () =>
      attempt(async () => {
        await call('POST', `/webhooks/deliveries/${d.id}/redeliver`);
        say(`Delivery ${d.id} queued again.`);
        await load();
      }),
    );
    const answer = d.last_status ?? d.last_error ?? '—';
    const next = d.state === 'PENDING' ? when(d.next_at) : d.state === 'DELIVERED' ? `delivered ${when(d.delivered_at)}` : 'given up';
    rows.append(
      el('tr', { className: d.state === 'FAILED' ? 'refused' : '' },
        el('td', {}, d.id), el('td', {}, el('code', {}, d.endpoint_id)), el('td', {}, d.event_id), el('td', {}, d.state),
        el('td', {}, d.attempts), el('td', {}, answer), el('td', {}, next), el('td', {}, again)),
    );
  }
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const types = document.getElementById('webhook-types').value.split(',').map((t) => t.trim()).filter(Boolean);
    const created = await call('POST', '/webhooks', { url: document.getElementById('webhook-url').value.trim(), event_types: types });
    secret.textContent = `Signing secret (copy it now: it is shown only once): ${created.secret}`;
    secret.hidden = false;
    document.getElementById('webhook-url').value = '';
    say(`Endpoint ${created.url} added.`);
    await load();
  });
});

section.addEventListener('toggle', () => {
  if (section.open) attempt(load);
});

// While the section is open the log follows the deliveries (a failed refresh says why once).
setInterval(() => {
  if (section.open && !message.classList.contains('error')) load().catch(() => attempt(load));
}, 2000);

document.getElementById('search-view').append(section);
