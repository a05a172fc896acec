// Keyturn support console: the core every page module builds on. Talks only to /console/api
// (console_api.js: same origin, session cookie + CSRF token). Views, sign in and out, the alert
// and status lines, two-click buttons, and the router: page modules add `pages` (by location
// hash), `patterns` ([regex, render(match)]) and `onRoute` hooks; the search page is `pages['']`.
// Everything shown is set with textContent: owner names and device names are never HTML.
import { api, el, session, showProblem } from './console_api.js';
import { dateTime, t } from './i18n.js';

export const $ = (selector) => document.querySelector(selector);

/** Pages by location hash, [regex, render(match)] patterns, hooks run on every route. */
export const pages = {};
export const patterns = [];
export const onRoute = [];

export function when(unix) {
  return dateTime(unix);
}

export function clearMessages() {
  $('#error').hidden = true;
  $('#error').textContent = '';
  $('#status').textContent = '';
}

export function say(text) {
  $('#status').textContent = text;
}

export function showView(name) {
  for (const view of document.querySelectorAll('main > section[id$="-view"]')) {
    view.hidden = view.id !== `${name}-view`;
  }
  $('#sign-out').hidden = name === 'sign-in';
  const heading = { 'sign-in': '#sign-in-heading', search: '#search-heading', license: '#license-title', licenses: '#licenses-heading' }[name];
  $(heading || `#${name}-heading`)?.focus();
}

/** Runs an action; errors land in the alert box, nothing typed is cleared. */
export async function attempt(fn) {
  clearMessages();
  try {
    await fn();
  } catch (err) {
    showProblem($('#error'), err && err.code ? err : { code: 'INTERNAL', message: String(err) });
  }
}

/** A destructive button asks for a second click within 5 seconds. */
export function armed(button, fn) {
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

/** One event of the log as a list item (license timeline, Activity page). */
export function eventItem(e) {
  // The action stays its stable name (what the Activity search and webhooks use).
  const what = e.outcome === 'OK' ? e.action : t('refused', e.action, e.outcome);
  const parts = [when(e.at), what, e.actor, e.activation_id || '', e.detail || ''].filter(Boolean);
  const item = el('li', { className: e.outcome === 'OK' ? '' : 'refused' }, parts.join(' · '));
  item.dataset.action = e.action;
  item.dataset.outcome = e.outcome;
  return item;
}

// --- sign in / out ---------------------------------------------------------------------------

$('#sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const answer = await api('POST', '/sign-in', { token: $('#token').value });
    session.csrf = answer.csrf;
    $('#token').value = '';
    await route();
  });
});

$('#sign-out').addEventListener('click', () =>
  attempt(async () => {
    await api('POST', '/sign-out');
    session.csrf = null;
    location.hash = '';
    showView('sign-in');
    say(t('signedOut'));
  }),
);

window.addEventListener('keyturn:signed-out', () => showView('sign-in'));

// --- routing ---------------------------------------------------------------------------------

export async function route() {
  for (const hook of onRoute) await hook();
  if (pages[location.hash]) return pages[location.hash]();
  for (const [pattern, render] of patterns) {
    const match = location.hash.match(pattern);
    if (match) return render(match);
  }
  return pages['']();
}

pages['#licenses'] = async () => {
  showView('licenses');
  window.dispatchEvent(new Event('keyturn:licenses')); // licenses.js fills the page
};

window.addEventListener('hashchange', () => {
  if (session.csrf) attempt(route);
});

// After a language change the page on screen is built again in the new words (licenses.js
// rebuilds its own page).
window.addEventListener('keyturn:language', () => {
  if (session.csrf && location.hash !== '#licenses') attempt(route);
});

// Starts once every page module has run (they add pages, route hooks and the words).
document.addEventListener('DOMContentLoaded', () =>
  attempt(async () => {
    try {
      session.csrf = (await api('GET', '/session')).csrf;
    } catch (err) {
      showView('sign-in');
      return;
    }
    await route();
  }),
);
