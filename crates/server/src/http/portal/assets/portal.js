// Keyturn customer portal. Talks only to /portal/api (same origin, session cookie + CSRF token).
// Device names come from customers' computers: shown with textContent, never as HTML.
import { LANGUAGES, apply, day, errorWords, language, setLanguage, t, when } from './i18n.js';
import { jsonApi } from './json_api.js';

const $ = (selector) => document.querySelector(selector);
let csrf = null;


function el(tag, props, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props || {});
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

// Plain words and a next step; the code stays visible (customers quote it to support), the
// server's own message only under Details.
function showError(err) {
  const [title, next] = errorWords(err.code);
  $('#error').replaceChildren(
    el('strong', {}, title),
    el('p', {}, next),
    el('p', { className: 'code' }, `Code: ${err.code}`),
    el('details', {}, el('summary', {}, t('details')), el('p', {}, err.message || '')),
  );
  $('#error').hidden = false;
}

function clearMessages() {
  $('#error').hidden = true;
  $('#status').textContent = '';
}

const call = jsonApi('/portal/api', () => csrf);

/** A portal API call (json_api.js); a refused session shows the sign-in page. */
async function api(method, path, body) {
  try {
    return await call(method, path, body);
  } catch (err) {
    if (err.code === 'UNAUTHORIZED' && path !== '/sign-in') show('sign-in');
    throw err;
  }
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
  const remove = el('button', { type: 'button', className: 'remove-device danger' }, t('remove'));
  remove.addEventListener('click', () => {
    if (!remove.classList.contains('armed')) {
      remove.classList.add('armed');
      remove.textContent = t('removeConfirm');
      return;
    }
    attempt(async () => {
      await api('DELETE', `/devices/${encodeURIComponent(m.id)}`);
      await loadDevices();
      $('#status').textContent = t('removed', m.name || t('theDevice'));
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
  const expiry = l.expires_at ? t('expires', day(l.expires_at)) : '';
  $('#license-line').textContent = t('licenseLine', l.product_name, t(l.status) || l.status, l.seats_used, l.seats_max) + expiry;
  $('#product-name').textContent = ` · ${l.product_name}`;
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
    $('#status').textContent = t('signedOut');
    $('#product-name').textContent = '';
  }),
);

$('#offline-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const file = $('#request-file').files[0];
    const request = file ? await file.text() : $('#request-code').value;
    if (!request.trim()) {
      throw { code: 'BAD_REQUEST', message: t('chooseFirst') };
    }
    const answer = await api('POST', '/offline/activate', { request });
    $('#response-code').value = answer.response;
    const blob = new Blob([answer.response + '\n'], { type: 'text/plain' });
    $('#response-download').href = URL.createObjectURL(blob);
    $('#offline-lease').textContent = t('lease', day(answer.valid_until), day(answer.renew_by));
    $('#offline-result').hidden = false;
    await loadDevices();
    $('#status').textContent = t('done');
  });
});

$('#deactivate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/offline/deactivate', { code: $('#deactivation-code').value });
    $('#deactivation-code').value = '';
    await loadDevices();
    $('#status').textContent = t('seatFree');
  });
});

// The language switch in the header (the browser's language until someone picks one).
const picker = $('#language');
picker.replaceChildren(...Object.entries(LANGUAGES).map(([code, name]) => el('option', { value: code, selected: code === language() }, name)));
picker.addEventListener('change', () => {
  setLanguage(picker.value);
  // Lines made from data (devices, license) are made again in the new language.
  if (!$('#devices-view').hidden) attempt(loadDevices);
});
apply();
show('sign-in');

// The vendor's name, logo and accent colour (the server's --portal-* settings). Text on the
// accent is black or white, whichever reads better on it (WCAG relative luminance).
function onAccent(hex) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? '#000000' : '#ffffff';
}

fetch('/portal/branding.json', { credentials: 'same-origin' })
  .then((response) => (response.ok ? response.json() : {}))
  .then((brand) => {
    if (brand.vendor_name) {
      $('#vendor-name').textContent = brand.vendor_name;
      $('#vendor').hidden = false;
    }
    if (brand.logo) {
      $('#vendor-logo').src = brand.logo;
      // The name beside it says who it is; without a name the logo is named by it.
      $('#vendor-logo').alt = brand.vendor_name ? '' : 'Logo';
      $('#vendor-logo').hidden = false;
      $('#vendor').hidden = false;
    }
    if (brand.accent) {
      document.documentElement.style.setProperty('--accent', brand.accent);
      document.documentElement.style.setProperty('--on-accent', onAccent(brand.accent));
      document.body.classList.add('branded');
    }
  })
  .catch(() => {}); // the portal works unbranded
