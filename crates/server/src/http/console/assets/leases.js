// Keyturn support console: the floating seats of the license on screen (current leases, end one).
// license_page.js announces each license it shows with the `keyturn:license` event. Every value is
// set with textContent: device names are never HTML. Words: i18n.js; errors as plain words with
// a next step in the page's alert box (console_api.js).
import { dateTime as when, t } from './i18n.js';
import { api, showProblem } from './console_api.js';

const $ = (selector) => document.querySelector(selector);
let shown = null; // { id } of the license on screen

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

function row(license, lease) {
  const tr = document.createElement('tr');
  const end = document.createElement('button');
  end.type = 'button';
  end.className = 'danger end-lease';
  end.textContent = t('endLease');
  end.addEventListener('click', async () => {
    if (!end.classList.contains('armed')) {
      end.classList.add('armed');
      end.textContent = t('confirmEnd');
      return;
    }
    try {
      await api('DELETE', `/licenses/${encodeURIComponent(license)}/leases/${encodeURIComponent(lease.id)}`);
      // The license's facts and timeline (with the end_lease entry) are console.js's: it shows
      // the license again, and announces it, so this panel reloads too. (It clears the status
      // line first, at once: the words come after.)
      window.dispatchEvent(new HashChangeEvent('hashchange'));
      $('#status').textContent = t('leaseEnded');
    } catch (err) {
      showProblem($('#error'), err && err.code ? err : { code: 'INTERNAL', message: String(err) });
    }
  });
  const action = document.createElement('td');
  action.append(end);
  tr.append(
    cell(lease.name || '—'),
    cell(lease.platform || '—'),
    cell(lease.fingerprint + '…'),
    cell(when(lease.started_at)),
    cell(when(lease.ends_at)),
    cell(t(lease.borrowed ? 'borrowed' : 'heartbeat')),
    cell(lease.id),
    action,
  );
  tr.dataset.id = lease.id;
  return tr;
}

async function load() {
  const view = await api('GET', `/licenses/${encodeURIComponent(shown.id)}/leases`);
  $('#leases-panel').hidden = !view.floating;
  if (!view.floating) return;
  const n = view.leases.length;
  $('#leases-summary').textContent = t('leasesSummary', n, view.seats);
  // The license facts count activations; a floating license's seats are its leases.
  const seats = $('#seats');
  if (seats) seats.textContent = t('seatsFloating', n, view.seats);
  $('#leases tbody').replaceChildren(...view.leases.map((lease) => row(view.license_id, lease)));
  $('#leases').hidden = n === 0;
}

document.addEventListener('keyturn:license', (event) => {
  shown = event.detail;
  load().catch(() => {
    $('#leases-panel').hidden = true;
  });
});
