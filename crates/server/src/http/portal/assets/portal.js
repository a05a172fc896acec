// Keyturn customer portal. Talks only to /portal/api (same origin, session cookie + CSRF token).
// Device names come from customers' computers: shown with textContent, never as HTML.
'use strict';

const $ = (selector) => document.querySelector(selector);
let csrf = null;

const WORDS = {
  INVALID_KEY_FORMAT: 'That does not look like a license key. Check it and try again.',
  NOT_FOUND: 'No license has this key. Check the key, or contact the vendor.',
  RATE_LIMITED: 'Too many attempts. Wait a moment, then try again.',
  UNAUTHORIZED: 'You are signed out. Sign in with your license key again.',
  ACTIVATION_NOT_FOUND: 'That device was already removed.',
  MACHINE_LIMIT_EXCEEDED: 'Every seat is taken. Remove a device above first, then try again.',
  FINGERPRINT_BLOCKED: 'That computer is blocked by the vendor. Contact them.',
  VM_NOT_ALLOWED: 'This license cannot be used in a virtual machine.',
  SUSPENDED: 'This license is suspended. Contact the vendor.',
  REVOKED: 'This license was revoked. Contact the vendor.',
  EXPIRED: 'This license has expired. Renew it with the vendor.',
  FINGERPRINT_IN_USE: 'That computer already uses another license.',
  BAD_REQUEST: 'That code could not be used.',
  OFFLINE: 'The server cannot be reached. Check your connection and try again.',
  INTERNAL: 'Something went wrong on our side. Try again in a moment.',
};

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

/** A date people read, e.g. "November 27, 2027". */
function day(unix) {
  return new Date(unix * 1000).toLocaleDateString(undefined, { year: 'numeric', month: 'long', day: 'numeric' });
}

function when(unix) {
  return unix ? new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC' : '—';
}

function showError(err) {
  $('#error').textContent = `${WORDS[err.code] || ''} ${err.message} (${err.code})`.trim();
  $('#error').hidden = false;
}

function clearMessages() {
  $('#error').hidden = true;
  $('#status').textContent = '';
}

async function api(method, path, body) {
  const headers = {};
  if (csrf) headers['X-CSRF-Token'] = csrf;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch('/portal/api' + path, {
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
    if (err.code === 'UNAUTHORIZED' && path !== '/sign-in') show('sign-in');
    throw err;
  }
  return data;
}

async function attempt(fn) {
  clearMessages();
  try {
    await fn();
  } catch (err) {
    showError(err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

function show(view) {
  $('#sign-in-view').hidden = view !== 'sign-in';
  $('#devices-view').hidden = view !== 'devices';
  $('#sign-out').hidden = view !== 'devices';
  $(view === 'devices' ? '#devices-heading' : '#sign-in-heading').focus();
}

function deviceRow(m) {
  const remove = el('button', { type: 'button', className: 'remove-device danger' }, 'Remove');
  remove.addEventListener('click', () => {
    if (!remove.classList.contains('armed')) {
      remove.classList.add('armed');
      remove.textContent = 'Click again to remove';
      return;
    }
    attempt(async () => {
      await api('DELETE', `/devices/${encodeURIComponent(m.id)}`);
      await loadDevices();
      $('#status').textContent = `Removed ${m.name || 'the device'}. Its seat is free.`;
    });
  });
  const row = el(
    'tr',
    {},
    el('td', {}, m.name || '—'),
    el('td', {}, el('code', { className: 'device-tag' }, m.tag || '—')),
    el('td', {}, m.platform || '—'),
    el('td', {}, when(m.created_at)),
    el('td', {}, when(m.last_seen_at ?? m.last_renewed_at)),
    el('td', {}, remove),
  );
  row.dataset.id = m.id;
  return row;
}

async function loadDevices() {
  const answer = await api('GET', '/devices');
  const l = answer.license;
  const expiry = l.expires_at ? `, expires ${when(l.expires_at)}` : '';
  $('#license-line').textContent = `${l.product_name} · ${l.status} · ${l.seats_used} of ${l.seats_max} seats used${expiry}`;
  $('#devices tbody').replaceChildren(...answer.machines.map(deviceRow));
  $('#devices').hidden = answer.machines.length === 0;
  $('#no-devices').hidden = answer.machines.length !== 0;
}

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const answer = await api('POST', '/sign-in', { key: $('#key').value });
    csrf = answer.csrf;
    $('#key').value = '';
    await loadDevices();
    show('devices');
  });
});

$('#sign-out').addEventListener('click', () =>
  attempt(async () => {
    await api('POST', '/sign-out');
    csrf = null;
    show('sign-in');
    $('#status').textContent = 'Signed out.';
  }),
);

$('#offline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const file = $('#request-file').files[0];
    const request = file ? await file.text() : $('#request-code').value;
    if (!request.trim()) {
      throw { code: 'BAD_REQUEST', message: 'Choose the request file or paste its code first.' };
    }
    const answer = await api('POST', '/offline/activate', { request });
    $('#response-code').value = answer.response;
    const blob = new Blob([answer.response + '\n'], { type: 'text/plain' });
    $('#response-download').href = URL.createObjectURL(blob);
    $('#offline-lease').textContent =
      `That computer works without internet until ${day(answer.valid_until)}. ` +
      `Before ${day(answer.renew_by)}, connect it to the internet once or create a new response here.`;
    $('#offline-result').hidden = false;
    await loadDevices();
    $('#status').textContent = 'Done. Take the response to that computer and import it there.';
  });
});

$('#deactivate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/offline/deactivate', { code: $('#deactivation-code').value });
    $('#deactivation-code').value = '';
    await loadDevices();
    $('#status').textContent = 'The seat is free.';
  });
});

show('sign-in');
