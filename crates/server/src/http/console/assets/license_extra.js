// The license page's additions: a confirmation with an optional reason before suspend, revoke
// and reset (license_page.js asks through window.keyturnConfirm; the reason goes into the event), and
// the owner's details and notes (kept in the license's timeline with their author).
import { t } from './i18n.js';
import { api, ask, clearProblem, el, showProblem } from './console_api.js';

/** Asks before `action` on the license on screen: `{reason}` or null (cancelled). */
window.keyturnConfirm = (action) =>
  ask({
    title: t(`${action}Q`),
    body: t(`${action}Body`),
    confirm: t(action),
    withReason: true,
    testid: `confirm-${action}`,
  });

let license = null;

function metadataText(metadata) {
  return Object.entries(metadata || {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

function parseMetadata(text) {
  const out = {};
  for (const line of text.split('\n').map((l) => l.trim()).filter(Boolean)) {
    const at = line.indexOf('=');
    if (at < 1) throw { code: 'BAD_REQUEST', message: `metadata line without key=value: ${line}` };
    out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** Runs `work`, saying `done` in the section's status line or the error in its alert box. */
async function attempt(work, done) {
  const box = document.querySelector('#extra-error');
  clearProblem(box);
  try {
    await work();
    document.querySelector('#extra-status').textContent = done;
    // The timeline and facts above are console.js's: it reloads the license.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } catch (err) {
    showProblem(box, err);
  }
}

function render() {
  const place = document.querySelector('#license-extra');
  if (!place || !license) return;
  const owner = el('form', { id: 'edit-owner' },
    el('label', { for: 'edit-name' }, t('ownerName')),
    el('input', { id: 'edit-name', maxLength: 200, value: license.owner_name }),
    el('label', { for: 'edit-email' }, t('ownerEmail')),
    el('input', { id: 'edit-email', type: 'email', maxLength: 320, value: license.owner_email }),
    el('label', { for: 'edit-entitlements' }, t('entitlements')),
    el('textarea', { id: 'edit-entitlements', rows: 2, value: (license.entitlements || []).join('\n') }),
    el('label', { for: 'edit-metadata' }, t('metadata')),
    el('textarea', { id: 'edit-metadata', rows: 3, value: metadataText(license.metadata) }),
    el('button', { type: 'submit', id: 'edit-save' }, t('save')));
  owner.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = encodeURIComponent(license.id);
    attempt(async () => {
      await api('POST', `/licenses/${id}/edit`, {
        owner_name: owner.querySelector('#edit-name').value,
        owner_email: owner.querySelector('#edit-email').value,
        entitlements: owner
          .querySelector('#edit-entitlements')
          .value.split('\n')
          .map((e) => e.trim())
          .filter(Boolean),
        metadata: parseMetadata(owner.querySelector('#edit-metadata').value),
      });
    }, t('saved'));
  });
  const note = el('form', { id: 'add-note' },
    el('label', { for: 'note-text' }, t('note')),
    el('textarea', { id: 'note-text', rows: 2, maxLength: 2000, required: true }),
    el('button', { type: 'submit', id: 'note-add' }, t('addNote')));
  note.addEventListener('submit', (event) => {
    event.preventDefault();
    const id = encodeURIComponent(license.id);
    attempt(async () => {
      await api('POST', `/licenses/${id}/notes`, { text: note.querySelector('#note-text').value });
      note.querySelector('#note-text').value = '';
    }, t('noteAdded'));
  });
  place.replaceChildren(
    el('h3', {}, t('editTitle')),
    el('div', { id: 'extra-error', className: 'error', role: 'alert', hidden: true }),
    el('p', { id: 'extra-status', className: 'status', role: 'status' }),
    owner,
    note,
  );
}

window.addEventListener('keyturn:license', (event) => {
  const changed = !license || license.id !== event.detail.id;
  license = event.detail;
  if (changed) render();
});
window.addEventListener('keyturn:language', render);
