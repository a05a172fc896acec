// Keyturn support console. Talks only to /console/api (same origin, session cookie + CSRF token).
// Everything shown is set with textContent: owner names and device names are never HTML.
'use strict';

const $ = (selector) => document.querySelector(selector);
let csrf = null;
let current = null; // the license on screen
let olderEvents = null; // next_before of the timeline
let moreMachines = null; // `next` of the machine list
const MACHINES_PAGE = 100;

// The words in the chosen language (i18n.js, a module: it has run before DOMContentLoaded, when
// this script starts; every error code's plain words and next step are there too).
const T = (key, ...args) => window.keyturnI18n.t(key, ...args);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function when(unix) {
  return window.keyturnI18n.dateTime(unix);
}

function showError(err) {
  const box = $('#error');
  // Plain words in the chosen language (console_api.js, a module loaded after this script).
  if (window.keyturnShowProblem) {
    window.keyturnShowProblem(box, err);
    return;
  }
  box.textContent = `${err.message} (${err.code})`;
  box.hidden = false;
}

function clearMessages() {
  $('#error').hidden = true;
  $('#error').textContent = '';
  $('#status').textContent = '';
}

function say(text) {
  $('#status').textContent = text;
}

async function api(method, path, body) {
  const headers = {};
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch('/console/api' + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch (e) {
    throw { code: 'OFFLINE', message: String(e) };
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = null;
  }
  if (!response.ok) {
    const err = data && data.code ? data : { code: 'INTERNAL', message: `unexpected answer ${response.status}` };
    if (err.code === 'UNAUTHORIZED' && path !== '/sign-in' && path !== '/session') {
      csrf = null;
      showView('sign-in');
    }
    throw err;
  }
  return data;
}

// Pages other modules add (staff.js): location hash → async render; hooks run on every route.
const pages = {};
const onRoute = [];

function showView(name) {
  for (const view of document.querySelectorAll('main > section[id$="-view"]')) {
    view.hidden = view.id !== `${name}-view`;
  }
  $('#sign-out').hidden = name === 'sign-in';
  const heading = { 'sign-in': '#sign-in-heading', search: '#search-heading', license: '#license-title', licenses: '#licenses-heading' }[name];
  $(heading || `#${name}-heading`)?.focus();
}

// Runs an action; errors land in the alert box, nothing typed is cleared.
async function attempt(fn) {
  clearMessages();
  try {
    await fn();
  } catch (err) {
    showError(err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

// --- sign in / out ---------------------------------------------------------------------------

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const answer = await api('POST', '/sign-in', { token: $('#token').value });
    csrf = answer.csrf;
    $('#token').value = '';
    await route();
  });
});

$('#sign-out').addEventListener('click', () =>
  attempt(async () => {
    await api('POST', '/sign-out');
    csrf = null;
    location.hash = '';
    showView('sign-in');
    say(T('signedOut'));
  }),
);

// --- search ----------------------------------------------------------------------------------

function licenseRow(view) {
  const link = el('a', { href: `#license/${view.id}`, className: 'license-link' }, view.key_prefix + '-…');
  const owner = [view.owner_name, view.owner_email].filter(Boolean).join(' · ') || '—';
  return el(
    'tr',
    {},
    el('td', {}, link),
    el('td', {}, owner),
    el('td', {}, `${view.product_name} / ${view.policy_name}`),
    Object.assign(el('td', { className: 'status-cell' }, T(view.status)), { title: view.status }),
    el('td', {}, T('seatsOf', view.seats_used, view.seats_max)),
    el('td', {}, el('code', {}, view.id)),
  );
}

$('#search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const q = $('#q').value;
    const answer = await api('GET', '/search?q=' + encodeURIComponent(q));
    const body = $('#results tbody');
    body.replaceChildren(...answer.licenses.map(licenseRow));
    $('#results').hidden = answer.licenses.length === 0;
    $('#no-results').hidden = answer.licenses.length !== 0;
    say(T('found', answer.licenses.length));
  });
});

// Enter searches (Shift+Enter adds a line, for pasting a report by hand).
$('#q').addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
    event.preventDefault();
    $('#search-form').requestSubmit();
  }
});

async function loadPolicies() {
  const [products, policies] = await Promise.all([api('GET', '/products'), api('GET', '/policies')]);
  const names = Object.fromEntries(products.map((p) => [p.id, p.name]));
  const options = policies
    .filter((p) => !p.trial)
    .map((p) => el('option', { value: p.id }, T('policyOption', names[p.product_id] || p.product_id, p.name, p.max_machines)));
  $('#policy').replaceChildren(...options);
}

$('#create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const created = await api('POST', '/licenses', {
      policy_id: $('#policy').value,
      owner_name: $('#owner-name').value.trim(),
      owner_email: $('#owner-email').value.trim(),
    });
    $('#created-key').textContent = created.key;
    $('#created-link').href = `#license/${created.license.id}`;
    $('#created').hidden = false;
    say(T('licenseCreated'));
  });
});

// --- license page ----------------------------------------------------------------------------

function fact(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

function renderLicense(view) {
  current = view;
  // The page modules (license_extra.js) show the owner form and notes of this license.
  window.dispatchEvent(new CustomEvent('keyturn:license', { detail: view }));
  $('#license-title').textContent = T('licenseTitle', view.key_prefix, T(view.status));
  const status = el('span', { id: 'license-status' }, T(view.status));
  status.dataset.status = view.status;
  $('#license-facts').replaceChildren(
    ...fact(T('status'), status),
    ...fact(T('ownerCol'), [view.owner_name, view.owner_email].filter(Boolean).join(' · ') || '—'),
    ...fact(T('productPolicy'), `${view.product_name} / ${view.policy_name}`),
    ...fact(T('seats'), el('span', { id: 'seats' }, T('seatsOf', view.seats_used, view.seats_max))),
    ...fact(T('expires'), el('span', { id: 'license-expiry' }, when(view.expires_at))),
    ...fact(T('created'), when(view.created_at)),
    ...fact(T('licenseId'), el('code', {}, view.id)),
  );
  // Only the status changes that apply: suspend an active (or expired) license, reinstate a
  // suspended or revoked one, revoke one that is not revoked yet. An expired one needs Extend.
  const applies = {
    suspend: view.status === 'ACTIVE' || view.status === 'EXPIRED',
    reinstate: view.status === 'SUSPENDED' || view.status === 'REVOKED',
    revoke: view.status !== 'REVOKED',
  };
  for (const [action, shown] of Object.entries(applies)) {
    $(`#license-view button[data-action=${action}]`).hidden = !shown;
  }
}

function machineRow(m) {
  const remove = el('button', { type: 'button', className: 'remove-machine danger' }, T('remove'));
  remove.dataset.may = 'remove_machine';
  remove.dataset.confirm = T('confirmRemove');
  remove.addEventListener('click', () =>
    armed(remove, async () => {
      await api('DELETE', `/licenses/${current.id}/machines/${m.id}`);
      await loadLicense(current.id);
      say(T('removed', m.name || m.id));
    }),
  );
  const block = el('button', { type: 'button', className: 'block-machine danger' }, T('blockDevice'));
  block.dataset.may = 'fingerprints';
  block.dataset.confirm = T('confirmBlock');
  block.addEventListener('click', () =>
    armed(block, async () => {
      await api('POST', '/fingerprints/block', { product_id: current.product_id, fingerprint: m.fingerprint });
      say(T('blocked', m.name || m.id, current.product_name));
    }),
  );
  const row = el(
    'tr',
    {},
    el('td', {}, m.name || '—'),
    el('td', {}, el('code', { className: 'device-tag' }, m.tag || '—')),
    el('td', {}, m.platform || '—'),
    el('td', {}, when(m.created_at)),
    el('td', {}, when(m.last_renewed_at)),
    el('td', { className: 'renew-by' }, when(m.renew_by) + (m.offline_until ? ` ${T('activatedOffline')}` : '')),
    el('td', {}, el('code', {}, m.id)),
    el('td', {}, remove, block),
  );
  row.dataset.id = m.id;
  return row;
}

function eventItem(e) {
  // The action stays its stable name (what the Activity search and webhooks use).
  const what = e.outcome === 'OK' ? e.action : T('refused', e.action, e.outcome);
  const parts = [when(e.at), what, e.actor, e.activation_id || '', e.detail || ''].filter(Boolean);
  const item = el('li', { className: e.outcome === 'OK' ? '' : 'refused' }, parts.join(' · '));
  item.dataset.action = e.action;
  item.dataset.outcome = e.outcome;
  return item;
}

async function loadLicense(id) {
  const path = encodeURIComponent(id);
  const [view, page, events] = await Promise.all([
    api('GET', `/licenses/${path}`),
    api('GET', `/licenses/${path}/machines?limit=${MACHINES_PAGE}`),
    api('GET', `/events?license_id=${path}`),
  ]);
  const machines = page.machines;
  renderLicense(view);
  $('#machines tbody').replaceChildren(...machines.map(machineRow));
  $('#machines').hidden = machines.length === 0;
  $('#no-machines').hidden = machines.length !== 0;
  showMoreMachines(page);
  $('#timeline').replaceChildren(...events.events.map(eventItem));
  // Other panels (e.g. leases.js) show their part of this license.
  document.dispatchEvent(new CustomEvent('keyturn:license', { detail: { id: view.id, csrf } }));
  olderEvents = events.next_before;
  $('#more-events').hidden = olderEvents === null;
}

// The machine list comes a page at a time (a license may have thousands).
function showMoreMachines(page) {
  moreMachines = page.next;
  const unseen = page.total - $('#machines tbody').children.length;
  $('#more-machines').textContent = T('moreMachines', unseen);
  $('#more-machines').hidden = moreMachines === null;
}

$('#more-machines').addEventListener('click', () =>
  attempt(async () => {
    const after = encodeURIComponent(moreMachines);
    const page = await api('GET', `/licenses/${encodeURIComponent(current.id)}/machines?limit=${MACHINES_PAGE}&after=${after}`);
    $('#machines tbody').append(...page.machines.map(machineRow));
    showMoreMachines(page);
  }),
);

$('#more-events').addEventListener('click', () =>
  attempt(async () => {
    const page = await api('GET', `/events?license_id=${encodeURIComponent(current.id)}&before=${olderEvents}`);
    $('#timeline').append(...page.events.map(eventItem));
    olderEvents = page.next_before;
    $('#more-events').hidden = olderEvents === null;
  }),
);

// A destructive button asks for a second click within 5 seconds.
function armed(button, fn) {
  if (button.dataset.confirm && !button.classList.contains('armed')) {
    clearMessages();
    button.dataset.label = button.textContent;
    button.textContent = button.dataset.confirm;
    button.classList.add('armed');
    setTimeout(() => disarm(button), 5000);
    return;
  }
  disarm(button);
  attempt(fn);
}

function disarm(button) {
  if (button.classList.contains('armed')) {
    button.textContent = button.dataset.label;
    button.classList.remove('armed');
  }
}

const DONE = { suspend: 'doneSuspend', reinstate: 'doneReinstate', revoke: 'doneRevoke', reset: 'doneReset' };

for (const button of document.querySelectorAll('#license-view .actions button')) {
  button.addEventListener('click', () =>
    armed(button, async () => {
      const action = button.dataset.action;
      const base = `/licenses/${encodeURIComponent(current.id)}`;
      if (action === 'extend') {
        const days = Number($('#extend-days').value);
        if (!Number.isInteger(days) || days < 1 || days > 3650) {
          throw { code: 'BAD_REQUEST', message: T('extendRange') };
        }
        const view = await api('POST', `${base}/extend`, { secs: days * 86400 });
        await loadLicense(current.id);
        say(T('extended', when(view.expires_at)));
        return;
      }
      // Suspend, revoke and reset ask first, with an optional reason (license_extra.js).
      let body;
      if (['suspend', 'revoke', 'reset'].includes(action) && window.keyturnConfirm) {
        const answer = await window.keyturnConfirm(action);
        if (!answer) return;
        if (answer.reason) body = { reason: answer.reason };
      }
      await api('POST', `${base}/${action}`, body);
      await loadLicense(current.id);
      say(T(DONE[action]));
    }),
  );
}

// --- routing ---------------------------------------------------------------------------------

async function route() {
  for (const hook of onRoute) await hook();
  if (pages[location.hash]) return pages[location.hash]();
  if (location.hash === '#licenses') {
    showView('licenses');
    window.dispatchEvent(new Event('keyturn:licenses')); // licenses.js fills the page
    return;
  }
  const match = location.hash.match(/^#license\/(.+)$/);
  if (match) {
    await loadLicense(decodeURIComponent(match[1]));
    showView('license');
  } else {
    showView('search');
    await loadPolicies();
  }
}

window.addEventListener('hashchange', () => {
  if (csrf) attempt(route);
});

$('#back').addEventListener('click', (event) => {
  event.preventDefault();
  location.hash = '';
});

// After a language change the page on screen is built again in the new words (licenses.js
// rebuilds its own page).
window.addEventListener('keyturn:language', () => {
  if (csrf && location.hash !== '#licenses') attempt(route);
});

// Starts once every page module has run (they add pages, route hooks and the words).
document.addEventListener('DOMContentLoaded', () =>
  attempt(async () => {
    try {
      csrf = (await api('GET', '/session')).csrf;
    } catch (err) {
      showView('sign-in');
      return;
    }
    await route();
  }),
);
