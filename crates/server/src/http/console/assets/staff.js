// Keyturn support console: staff sign-in, what the signed-in role may do, and the Staff, Tokens
// and My account pages. It adds its pages and a route hook to console.js's router. The role only hides buttons:
// the server refuses whatever a role may not do, whatever the page sends. Words: i18n.js (the
// fixed ones carry data-i18n, so a language change rewrites them; rows are built again).
import { $, armed, attempt, eventItem, onRoute, pages, route, say, showView, when } from './console.js';
import { api, el, headings, session, w } from './console_api.js';
import { t } from './i18n.js';

const ROLES = ['owner', 'admin', 'support', 'viewer'];

// --- sign in with email and password ---------------------------------------------------------

$('#staff-sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const body = { email: $('#email').value, password: $('#password').value };
    if (!$('#totp-field').hidden) body.totp = $('#totp').value.trim();
    try {
      session.csrf = (await api('POST', '/sign-in', body)).csrf;
    } catch (err) {
      if (err.code === 'TOTP_REQUIRED') {
        $('#totp-field').hidden = false;
        $('#totp').focus();
      }
      throw err;
    }
    $('#password').value = '';
    $('#totp').value = '';
    $('#totp-field').hidden = true;
    await route();
  });
});

// --- who is signed in, what the role may do --------------------------------------------------

const nav = el(
  'nav',
  { id: 'staff-nav', hidden: true },
  w('a', 'navStaff', { href: '#staff', id: 'nav-staff' }),
  w('a', 'navTokens', { href: '#tokens', id: 'nav-tokens' }),
  w('a', 'navActivity', { href: '#activity', id: 'nav-activity' }),
  w('a', 'navAccount', { href: '#account', id: 'nav-account' }),
  el('span', { id: 'who' }),
);
nav.setAttribute('aria-label', t('staffNav'));
nav.dataset.i18nLabel = 'staffNav';
nav.querySelector('#nav-staff').dataset.may = 'staff';
nav.querySelector('#nav-tokens').dataset.may = 'tokens';
$('header h1').after(nav);

let me = null;

async function applyRole() {
  me = await api('GET', '/me');
  for (const name of [...document.body.classList].filter((c) => c.startsWith('deny-'))) {
    document.body.classList.remove(name);
  }
  for (const [action, allowed] of Object.entries(me.may)) {
    if (!allowed) document.body.classList.add(`deny-${action}`);
  }
  $('#who').textContent = me.kind === 'staff' ? t('who', me.email, t(`${me.role}_role`)) : t('rootWho');
  $('#nav-account').hidden = me.kind !== 'staff';
  nav.hidden = false;
  document.body.classList.add('signed-in');
  if (me.totp_pending && location.hash !== '#account') {
    location.hash = '#account';
  }
}
onRoute.push(applyRole);

// Whenever the sign-in page shows (first visit, signed out, or a session that ended: a new
// password, a disabled account), the links and the name of whoever was signed in go with it.
// The header's page links (licenses.js) show only with the `signed-in` class (console.css), so
// they are not there from the first paint of the sign-in page either.
function hideNavWhileSignedOut() {
  if ($('#sign-in-view').hidden) return;
  document.body.classList.remove('signed-in');
  nav.hidden = true;
  $('#who').textContent = '';
}
new MutationObserver(hideNavWhileSignedOut).observe($('#sign-in-view'), { attributes: true, attributeFilter: ['hidden'] });
hideNavWhileSignedOut();

// --- pages -----------------------------------------------------------------------------------

function section(name, titleKey, ...content) {
  const heading = w('h2', titleKey, { id: `${name}-heading`, tabIndex: -1 });
  const view = el('section', { id: `${name}-view`, hidden: true }, heading, ...content);
  view.setAttribute('aria-labelledby', `${name}-heading`);
  $('main').append(view);
  return view;
}

function field(id, labelKey, props) {
  return [w('label', labelKey, { htmlFor: id }), el('input', { id, ...props })];
}

function roleSelect(id, selected) {
  const select = el('select', { id }, ...ROLES.map((r) => w('option', `${r}_role`, { value: r, selected: r === selected })));
  return select;
}

// Staff (owners): add, re-role, disable and enable, reset a password, clear a lost second factor.
section(
  'staff',
  'navStaff',
  el('table', { id: 'staff-table' }, headings(['email', 'role', 'status', 'secondFactor', 'colActions']), el('tbody')),
  el(
    'form',
    { id: 'add-staff-form' },
    w('h3', 'addStaffTitle'),
    ...field('new-staff-email', 'email', { type: 'email', required: true, autocomplete: 'off' }),
    w('label', 'role', { htmlFor: 'new-staff-role' }),
    roleSelect('new-staff-role', 'support'),
    ...field('new-staff-password', 'firstPassword', { type: 'password', autocomplete: 'new-password', required: true }),
    w('button', 'add', { type: 'submit', id: 'add-staff-button' }),
  ),
  el('p', { className: 'check' }, el('input', { type: 'checkbox', id: 'require-totp' }), w('label', 'requireTotp', { htmlFor: 'require-totp', className: 'inline' })),
);

function staffRow(account) {
  const role = roleSelect(`role-${account.id}`, account.role);
  role.setAttribute('aria-label', `${t('role')}: ${account.email}`);
  role.addEventListener('change', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/role`, { role: role.value });
      await renderStaff();
      say(t('nowRole', account.email, t(`${role.value}_role`)));
    }),
  );
  const toggle = el('button', { type: 'button', className: account.disabled ? 'enable' : 'disable danger' }, t(account.disabled ? 'enable' : 'disable'));
  toggle.addEventListener('click', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/${account.disabled ? 'enable' : 'disable'}`);
      await renderStaff();
      say(t(account.disabled ? 'enabled' : 'disabled', account.email));
    }),
  );
  const password = el('input', { type: 'password', autocomplete: 'new-password', placeholder: t('newPassword'), className: 'reset-password' });
  password.setAttribute('aria-label', t('newPasswordFor', account.email));
  const reset = el('button', { type: 'button', className: 'reset-password-button' }, t('setPassword'));
  reset.addEventListener('click', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/password`, { password: password.value });
      password.value = '';
      say(t('passwordSet', account.email));
    }),
  );
  const activity = el('a', { href: '#activity', className: 'activity-link' }, t('navActivity'));
  activity.setAttribute('aria-label', t('activityOf', account.email));
  activity.addEventListener('click', () => {
    $('#actor-filter').value = account.email;
  });
  // One's own role and account are not one's own to change (the server refuses: CANNOT_CHANGE_SELF).
  const own = me && me.kind === 'staff' && me.email === account.email;
  const cells = [activity, ...(own ? [] : [toggle]), el('span', { className: 'inline-form' }, password, reset)];
  if (account.totp) {
    const clear = el('button', { type: 'button', className: 'danger' }, t('clearTotp'));
    clear.addEventListener('click', () =>
      attempt(async () => {
        await api('POST', `/staff/${account.id}/totp/clear`);
        await renderStaff();
        say(t('totpCleared', account.email));
      }),
    );
    cells.push(clear);
  }
  const row = el(
    'tr',
    {},
    el('td', {}, account.email),
    el('td', {}, own ? t(`${account.role}_role`) : role),
    el('td', {}, t(account.disabled ? 'accountDisabled' : 'accountActive')),
    el('td', {}, t(account.totp ? 'yesWord' : 'noWord')),
    el('td', {}, ...cells),
  );
  row.dataset.email = account.email;
  return row;
}

async function renderStaff() {
  const [list, settings] = await Promise.all([api('GET', '/staff'), api('GET', '/settings')]);
  $('#staff-table tbody').replaceChildren(...list.map(staffRow));
  $('#require-totp').checked = settings.require_totp;
  showView('staff');
}
pages['#staff'] = renderStaff;

$('#add-staff-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const added = await api('POST', '/staff', {
      email: $('#new-staff-email').value,
      role: $('#new-staff-role').value,
      password: $('#new-staff-password').value,
    });
    $('#new-staff-email').value = '';
    $('#new-staff-password').value = '';
    await renderStaff();
    say(t('staffAdded', added.email, t(`${added.role}_role`)));
  });
});

$('#require-totp').addEventListener('change', () =>
  attempt(async () => {
    const set = await api('POST', '/settings', { require_totp: $('#require-totp').checked });
    say(t(set.require_totp ? 'totpForAll' : 'totpOptional'));
  }),
);

// API tokens (owners): create (shown once), revoke.
section(
  'tokens',
  'navTokens',
  el('table', { id: 'tokens-table' }, headings(['colName', 'role', 'product', 'expires', 'lastUsed', 'status', 'colActions']), el('tbody')),
  el(
    'form',
    { id: 'new-token-form' },
    w('h3', 'createTokenTitle'),
    ...field('token-name', 'tokenName', { required: true, maxLength: 64 }),
    w('label', 'role', { htmlFor: 'token-role' }),
    roleSelect('token-role', 'viewer'),
    w('label', 'product', { htmlFor: 'token-product' }),
    el('select', { id: 'token-product' }),
    ...field('token-expires', 'expiresOn', { type: 'date' }),
    w('button', 'createToken', { type: 'submit', id: 'create-token-button' }),
  ),
  el('div', { id: 'new-token', hidden: true }, w('p', 'newTokenShown'), el('output', { id: 'new-token-text' })),
);

function tokenRow(token) {
  const state = token.revoked_at ? 'revoked' : token.expires_at && token.expires_at * 1000 < Date.now() ? 'expired' : 'active';
  const cells = [];
  if (state === 'active') {
    const revoke = el('button', { type: 'button', className: 'danger revoke-token' }, t('revoke'));
    revoke.dataset.confirm = t('confirmRevoke');
    revoke.addEventListener('click', () =>
      armed(revoke, async () => {
        await api('POST', `/tokens/${token.id}/revoke`);
        await renderTokens();
        say(t('tokenDead', token.name));
      }),
    );
    cells.push(revoke);
  }
  const row = el(
    'tr',
    {},
    el('td', {}, token.name),
    el('td', {}, t(`${token.role}_role`)),
    el('td', {}, token.product_id || t('allProducts')),
    el('td', {}, when(token.expires_at)),
    el('td', {}, token.last_used_at ? when(token.last_used_at) : t('notYet')),
    el('td', {}, t({ active: 'tokenActive', revoked: 'tokenRevoked', expired: 'tokenExpired' }[state])),
    el('td', {}, ...cells),
  );
  row.dataset.name = token.name;
  row.dataset.state = state;
  return row;
}

async function renderTokens() {
  const [list, products] = await Promise.all([api('GET', '/tokens'), api('GET', '/products')]);
  $('#tokens-table tbody').replaceChildren(...list.map(tokenRow));
  const chosen = $('#token-product').value;
  $('#token-product').replaceChildren(
    el('option', { value: '' }, t('allProducts')),
    ...products.map((p) => el('option', { value: p.id, selected: p.id === chosen }, p.name)),
  );
  showView('tokens');
}
pages['#tokens'] = renderTokens;

$('#new-token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const body = { name: $('#token-name').value.trim(), role: $('#token-role').value };
    if ($('#token-product').value) body.product_id = $('#token-product').value;
    if ($('#token-expires').value) body.expires_at = Math.floor(Date.parse($('#token-expires').value + 'T23:59:59Z') / 1000);
    const made = await api('POST', '/tokens', body);
    $('#token-name').value = '';
    await renderTokens();
    $('#new-token-text').textContent = made.token;
    $('#new-token').hidden = false;
    say(t('tokenCreated', made.api_token.name));
  });
});

// My account (staff): change the password, set up a second factor.
section(
  'account',
  'navAccount',
  el(
    'form',
    { id: 'own-password-form' },
    w('h3', 'changePasswordTitle'),
    ...field('current-password', 'currentPassword', { type: 'password', autocomplete: 'current-password', required: true }),
    ...field('new-password', 'newPassword', { type: 'password', autocomplete: 'new-password', required: true }),
    w('button', 'changePassword', { type: 'submit' }),
  ),
  el(
    'div',
    { id: 'totp-setup' },
    w('h3', 'totpTitle'),
    w('button', 'setUp', { type: 'button', id: 'begin-totp' }),
    el(
      'form',
      { id: 'confirm-totp-form', hidden: true },
      w('p', 'totpInstructions'),
      el('output', { id: 'totp-secret' }),
      el('p', {}, w('a', 'otpauthLink', { id: 'totp-link', href: '#' })),
      ...field('totp-code', 'totpCode', { inputMode: 'numeric', maxLength: 6, required: true, autocomplete: 'one-time-code' }),
      w('button', 'turnOn', { type: 'submit' }),
    ),
  ),
);

pages['#account'] = async () => {
  showView('account');
  if (me && me.totp_pending) say(t('totpFirst'));
};

let pendingSecret = null;

$('#own-password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/me/password', { current: $('#current-password').value, new: $('#new-password').value });
    $('#current-password').value = '';
    $('#new-password').value = '';
    // A new password ends every session of the account, this one too.
    session.csrf = null;
    nav.hidden = true;
    showView('sign-in');
    say(t('passwordChanged'));
  });
});

$('#begin-totp').addEventListener('click', () =>
  attempt(async () => {
    const begun = await api('POST', '/me/totp/begin');
    pendingSecret = begun.secret;
    $('#totp-secret').textContent = begun.secret;
    $('#totp-link').href = begun.otpauth_url;
    $('#confirm-totp-form').hidden = false;
    $('#totp-code').focus();
  }),
);

$('#confirm-totp-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/me/totp', { secret: pendingSecret, code: $('#totp-code').value.trim() });
    pendingSecret = null;
    $('#confirm-totp-form').hidden = true;
    $('#totp-code').value = '';
    await applyRole();
    say(t('totpOn'));
  });
});

// Activity (everyone): the event log searched by who acted (an email, `token: NAME`, an address).
section(
  'activity',
  'navActivity',
  el(
    'form',
    { id: 'activity-form' },
    ...field('actor-filter', 'actorFilter', { maxLength: 200 }),
    w('button', 'show', { type: 'submit', id: 'activity-button' }),
  ),
  el('ol', { id: 'activity-list' }),
);

async function renderActivity() {
  const who = $('#actor-filter').value.trim();
  const page = await api('GET', '/events?limit=100' + (who ? '&actor=' + encodeURIComponent(who) : ''));
  $('#activity-list').replaceChildren(...page.events.map(eventItem));
  showView('activity');
  say(t('eventsCount', page.events.length, who));
}
pages['#activity'] = renderActivity;

$('#activity-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(renderActivity);
});
