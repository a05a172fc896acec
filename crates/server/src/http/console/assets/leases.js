// Keyturn support console: the floating seats of the license on screen (current leases, end one).
// console.js announces each license it shows with the `keyturn:license` event. Every value is
// set with textContent: device names are never HTML.

const $ = (selector) => document.querySelector(selector);
let shown = null; // { id, csrf } of the license on screen

function when(unix) {
  return new Date(unix * 1000).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}

function cell(text) {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
}

async function call(method, path) {
  const headers = shown.csrf ? { 'X-CSRF-Token': shown.csrf } : {};
  const response = await fetch('/console/api' + path, { method, headers, credentials: 'same-origin' });
  const text = await response.text();
  const body = text ? JSON.parse(text) : null;
  if (!response.ok) throw Object.assign(new Error(body?.message || response.statusText), { code: body?.code });
  return body;
}

function row(license, lease) {
  const tr = document.createElement('tr');
  const end = document.createElement('button');
  end.type = 'button';
  end.className = 'danger end-lease';
  end.textContent = 'End';
  end.addEventListener('click', async () => {
    if (!end.classList.contains('armed')) {
      end.classList.add('armed');
      end.textContent = 'Click again to end';
      return;
    }
    try {
      await call('DELETE', `/licenses/${encodeURIComponent(license)}/leases/${encodeURIComponent(lease.id)}`);
      $('#status').textContent = 'Lease ended: that device loses its seat at its next heartbeat.';
      await load();
    } catch (err) {
      const box = $('#error');
      box.textContent = `${err.message} (${err.code || 'ERROR'})`;
      box.hidden = false;
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
    cell(lease.borrowed ? 'borrowed' : 'heartbeat'),
    cell(lease.id),
    action,
  );
  tr.dataset.id = lease.id;
  return tr;
}

async function load() {
  const view = await call('GET', `/licenses/${encodeURIComponent(shown.id)}/leases`);
  $('#leases-panel').hidden = !view.floating;
  if (!view.floating) return;
  const n = view.leases.length;
  $('#leases-summary').textContent = `${n} of ${view.seats} seats in use now.`;
  // The license facts count activations; a floating license's seats are its leases.
  const seats = $('#seats');
  if (seats) seats.textContent = `${n} of ${view.seats} in use (floating)`;
  $('#leases tbody').replaceChildren(...view.leases.map((lease) => row(view.license_id, lease)));
  $('#leases').hidden = n === 0;
}

document.addEventListener('keyturn:license', (event) => {
  shown = event.detail;
  load().catch(() => {
    $('#leases-panel').hidden = true;
  });
});
