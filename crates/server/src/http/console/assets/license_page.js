// Keyturn support console: one license (`#license/ID`): its facts, status changes, machines (a
// page at a time), and its timeline. Page modules hear `keyturn:license` for each license shown
// (license_extra.js: owner and notes; leases.js: floating seats).
import { $, armed, attempt, eventItem, patterns, say, showView, when } from './console.js';
import { api, el } from './console_api.js';
import { t } from './i18n.js';

let current = null; // the license on screen
let olderEvents = null; // next_before of the timeline
let moreMachines = null; // `next` of the machine list
const MACHINES_PAGE = 100;

function fact(term, value) {
  return [el('dt', {}, term), el('dd', {}, value)];
}

function renderLicense(view) {
  current = view;
  // The page modules (license_extra.js) show the owner form and notes of this license.
  window.dispatchEvent(new CustomEvent('keyturn:license', { detail: view }));
  $('#license-title').textContent = t('licenseTitle', view.key_prefix, t(view.status));
  const status = el('span', { id: 'license-status' }, t(view.status));
  status.dataset.status = view.status;
  $('#license-facts').replaceChildren(
    ...fact(t('status'), status),
    ...fact(t('ownerCol'), [view.owner_name, view.owner_email].filter(Boolean).join(' · ') || '—'),
    ...fact(t('productPolicy'), `${view.product_name} / ${view.policy_name}`),
    ...fact(t('seats'), el('span', { id: 'seats' }, t('seatsOf', view.seats_used, view.seats_max))),
    ...fact(t('expires'), el('span', { id: 'license-expiry' }, when(view.expires_at))),
    ...fact(t('created'), when(view.created_at)),
    ...fact(t('licenseId'), el('code', {}, view.id)),
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
  const remove = el('button', { type: 'button', className: 'remove-machine danger' }, t('remove'));
  remove.dataset.may = 'remove_machine';
  remove.dataset.confirm = t('confirmRemove');
  remove.addEventListener('click', () =>
    armed(remove, async () => {
      await api('DELETE', `/licenses/${current.id}/machines/${m.id}`);
      await loadLicense(current.id);
      say(t('removed', m.name || m.id));
    }),
  );
  const block = el('button', { type: 'button', className: 'block-machine danger' }, t('blockDevice'));
  block.dataset.may = 'fingerprints';
  block.dataset.confirm = t('confirmBlock');
  block.addEventListener('click', () =>
    armed(block, async () => {
      await api('POST', '/fingerprints/block', { product_id: current.product_id, fingerprint: m.fingerprint });
      say(t('blocked', m.name || m.id, current.product_name));
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
    el('td', { className: 'renew-by' }, when(m.renew_by) + (m.offline_until ? ` ${t('activatedOffline')}` : '')),
    el('td', {}, el('code', {}, m.id)),
    el('td', {}, remove, block),
  );
  row.dataset.id = m.id;
  return row;
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
  document.dispatchEvent(new CustomEvent('keyturn:license', { detail: { id: view.id } }));
  olderEvents = events.next_before;
  $('#more-events').hidden = olderEvents === null;
}

// The machine list comes a page at a time (a license may have thousands).
function showMoreMachines(page) {
  moreMachines = page.next;
  const unseen = page.total - $('#machines tbody').children.length;
  $('#more-machines').textContent = t('moreMachines', unseen);
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

const DONE = { suspend: 'doneSuspend', reinstate: 'doneReinstate', revoke: 'doneRevoke', reset: 'doneReset' };

for (const button of document.querySelectorAll('#license-view .actions button')) {
  button.addEventListener('click', () =>
    armed(button, async () => {
      const action = button.dataset.action;
      const base = `/licenses/${encodeURIComponent(current.id)}`;
      if (action === 'extend') {
        const days = Number($('#extend-days').value);
        if (!Number.isInteger(days) || days < 1 || days > 3650) {
          throw { code: 'BAD_REQUEST', message: t('extendRange') };
        }
        const view = await api('POST', `${base}/extend`, { secs: days * 86400 });
        await loadLicense(current.id);
        say(t('extended', when(view.expires_at)));
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
      say(t(DONE[action]));
    }),
  );
}

$('#back').addEventListener('click', (event) => {
  event.preventDefault();
  location.hash = '';
});

patterns.push([
  /^#license\/(.+)$/,
  async (match) => {
    await loadLicense(decodeURIComponent(match[1]));
    showView('license');
  },
]);
