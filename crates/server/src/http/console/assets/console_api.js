// What the console's page modules share: the JSON API behind the session (the CSRF token comes
// from /console/api/session), building elements (text only: owner and device names are never
// HTML), and errors as plain words with a next step, the server's message under Details.
import { errorWords, t } from './i18n.js';

let csrf = null;

export async function api(method, path, body) {
  if (!csrf && method !== 'GET') csrf = (await api('GET', '/session')).csrf;
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
    if (response.status === 401) csrf = null;
    throw data && data.code ? data : { code: 'INTERNAL', message: `unexpected answer ${response.status}` };
  }
  return data;
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
