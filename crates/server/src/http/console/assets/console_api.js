// What the console's page modules share: the JSON API behind the session (json_api.js; the
// session's CSRF token is `session.csrf`, from sign-in or /console/api/session), building
// elements (text only: owner and device names are never HTML), and errors as plain words with a
// next step, the server's message under Details.
import { dateTime, errorWords, t } from './i18n.js';
import { jsonApi } from './json_api.js';

/** The signed-in session: its CSRF token (null: signed out, or not known yet). */
export const session = { csrf: null };

const call = jsonApi('/console/api', () => session.csrf);

/** A console API call. A refused session (401) forgets the token and says so with the
 * `keyturn:signed-out` event (the console shows the sign-in page). */
export async function api(method, path, body) {
  if (!session.csrf && method !== 'GET' && path !== '/sign-in') {
    session.csrf = (await call('GET', '/session')).csrf;
  }
  try {
    return await call(method, path, body);
  } catch (err) {
    if (err.code === 'UNAUTHORIZED' && path !== '/sign-in') {
      session.csrf = null;
      if (path !== '/session') window.dispatchEvent(new Event('keyturn:signed-out'));
    }
    throw err;
  }
}

export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props || {})) {
    if (name.startsWith('data-') || name.startsWith('aria-') || name === 'for' || name === 'role') {
      node.setAttribute(name, value);
    } else {
      node[name] = value;
    }
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A table cell's time in the reader's language; a dash for none. */
export function cellTime(unix) {
  return unix === null || unix === undefined ? '—' : dateTime(unix);
}

/** An element whose text is the words for `key` (kept in step with the language). */
export function w(tag, key, props) {
  return el(tag, { ...props, 'data-i18n': key }, t(key));
}

/** A table's column headings; `colActions` (over the rows' buttons) is read by screen readers only. */
export function headings(keys) {
  const cell = (key) => el('th', { scope: 'col' }, w('span', key, key === 'colActions' ? { className: 'visually-hidden' } : {}));
  return el('thead', {}, el('tr', {}, keys.map(cell)));
}

/** Shows an error in `box` (a role=alert element): plain words, next step, the code (support
 * quotes it), and the server's message under Details. */
export function showProblem(box, err) {
  const code = err && err.code ? err.code : 'INTERNAL';
  const [title, next] = errorWords(code);
  box.replaceChildren(
    el('strong', {}, title),
    el('p', {}, next),
    el('p', { className: 'code' }, t('codeLine', code)),
    el('details', {}, el('summary', {}, t('details')), el('p', {}, err.message || '')),
  );
  box.dataset.code = code;
  box.hidden = false;
}

export function clearProblem(box) {
  box.hidden = true;
  box.replaceChildren();
}

/** A modal question with an optional reason; answers `{reason}` or null (cancelled). */
export function ask({ title, body, confirm, withReason, testid }) {
  return new Promise((resolve) => {
    const reason = el('input', { id: 'ask-reason', type: 'text', maxLength: 500 });
    const dialog = el('dialog', { className: 'ask', 'aria-labelledby': 'ask-title', 'data-testid': testid || 'ask' });
    const finish = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    const yes = el('button', { type: 'button', className: 'danger', 'data-testid': 'ask-yes' }, confirm);
    const no = el('button', { type: 'button' }, t('cancel'));
    yes.addEventListener('click', () => finish({ reason: reason.value.trim() }));
    no.addEventListener('click', () => finish(null));
    dialog.addEventListener('cancel', (event) => {
      event.preventDefault();
      finish(null);
    });
    dialog.append(
      el('h2', { id: 'ask-title' }, title),
      el('p', {}, body),
      ...(withReason ? [el('label', { for: 'ask-reason' }, t('reason')), reason] : []),
      el('div', { className: 'actions' }, no, yes),
    );
    document.body.append(dialog);
    dialog.showModal();
    (withReason ? reason : no).focus();
  });
}

/** Keyset paging of a newest-first list (the delivery log, the mail queue): Newer and Older
 * buttons that remember each page's cursor (`before`: none on the first page). `load()` shows
 * the page at `pager.before`; words: `newer`, `older`. */
export function pager(id, load) {
  const cursors = [null];
  const newer = el('button', { type: 'button', id: `${id}-newer`, 'data-i18n': 'newer' }, t('newer'));
  const older = el('button', { type: 'button', id: `${id}-older`, 'data-i18n': 'older' }, t('older'));
  const nav = el('div', { className: 'pager' }, newer, older);
  const state = {
    nav,
    get before() {
      return cursors[cursors.length - 1];
    },
    get onFirst() {
      return cursors.length === 1;
    },
    /** Back to the newest page (a filter changed). */
    reset() {
      cursors.length = 1;
    },
    /** After a page is shown: whether there are older ones (`next_before`). */
    shown(next) {
      state.next = next;
      newer.disabled = cursors.length === 1;
      older.disabled = next === null || next === undefined;
    },
  };
  newer.addEventListener('click', () => {
    if (cursors.length > 1) cursors.pop();
    load();
  });
  older.addEventListener('click', () => {
    if (state.next !== null && state.next !== undefined) cursors.push(state.next);
    load();
  });
  return state;
}
