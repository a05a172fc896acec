// Keyturn support console: refunds and lost disputes that reached no license (GET
// /payments/unmatched), newest first: the provider, every id naming the payment, the provider's
// events and when the first came. Most wait a moment for their purchase and leave by themselves;
// one that stays is a purchase Keyturn never connected to its refund (on Stripe since API
// 2025-03-31: a subscription's refund when `invoice_payment.paid` is not sent), so its license
// is still valid: the vendor finds the payment by these ids and revokes the license by hand.
// Its own ES module: a section of the search view; words from i18n.js.
import { api, cellTime, clearProblem, el, headings, showProblem, w } from './console_api.js';

const section = el('details', { id: 'unmatched-payments' }, w('summary', 'unmatchedRefunds'));
const problem = el('div', { id: 'unmatched-error', className: 'error', role: 'alert', hidden: true });
const table = el('table', { id: 'unmatched-table' },
  headings(['colProvider', 'colPaymentIds', 'colProviderEvents', 'colReceived']),
  el('tbody'),
);
const empty = w('p', 'noUnmatched', { id: 'no-unmatched', hidden: true });
section.append(w('p', 'unmatchedHint'), problem, table, empty);

function codes(items) {
  return items.flatMap((item, n) => (n ? [' ', el('code', {}, item)] : [el('code', {}, item)]));
}

function row(order) {
  const events = order.events.map((e) => el('div', {}, el('code', {}, e.event_id), ' ', e.event_type));
  const tr = el('tr', {}, el('td', {}, order.provider), el('td', {}, codes(order.names)), el('td', {}, events),
    el('td', {}, cellTime(order.created_at)));
  tr.dataset.order = order.order_id;
  return tr;
}

async function load() {
  clearProblem(problem);
  try {
    const page = await api('GET', '/payments/unmatched?limit=200');
    table.tBodies[0].replaceChildren(...page.unmatched.map(row));
    empty.hidden = page.unmatched.length !== 0;
    table.hidden = page.unmatched.length === 0;
  } catch (err) {
    showProblem(problem, err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

section.addEventListener('toggle', () => {
  if (section.open) load();
});
window.addEventListener('keyturn:language', () => {
  if (section.open) load();
});
document.getElementById('search-view').append(section);
