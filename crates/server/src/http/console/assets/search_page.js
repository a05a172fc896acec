// Keyturn support console: the search page (find a customer by key, email, name, id or a pasted
// support report) and Create a license. The console's home (`pages['']`).
import { $, attempt, pages, say, showView } from './console.js';
import { api, el } from './console_api.js';
import { t } from './i18n.js';

function licenseRow(view) {
  const link = el('a', { href: `#license/${view.id}`, className: 'license-link' }, view.key_prefix + '-…');
  const owner = [view.owner_name, view.owner_email].filter(Boolean).join(' · ') || '—';
  return el(
    'tr',
    {},
    el('td', {}, link),
    el('td', {}, owner),
    el('td', {}, `${view.product_name} / ${view.policy_name}`),
    Object.assign(el('td', { className: 'status-cell' }, t(view.status)), { title: view.status }),
    el('td', {}, t('seatsOf', view.seats_used, view.seats_max)),
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
    say(t('found', answer.licenses.length));
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
    .map((p) => el('option', { value: p.id }, t('policyOption', names[p.product_id] || p.product_id, p.name, p.max_machines)));
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
    say(t('licenseCreated'));
  });
});

pages[''] = async () => {
  showView('search');
  await loadPolicies();
};
