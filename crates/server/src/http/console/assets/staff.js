// Keyturn support console: staff sign-in, what the signed-in role may do, and the Staff, Tokens
// and My account pages. An ES module loaded after console.js; it uses console.js's helpers (api,
// el, attempt, say, armed, showView, route, WORDS, pages, onRoute). The role only hides buttons:
// the server refuses whatever a role may not do, whatever the page sends.

const ROLES = ['owner', 'admin', 'support', 'viewer'];

Object.assign(WORDS, {
  FORBIDDEN: 'Your role may not do this. Ask an owner or admin.',
  WEAK_PASSWORD: 'Choose a longer password: at least 12 characters, not just a few repeated ones, without the email in it.',
  INVALID_EMAIL: 'That is not an email address (like ann@example.com).',
  UNKNOWN_ROLE: 'Pick one of the roles: owner, admin, support or viewer.',
  ALREADY_EXISTS: 'That already exists: use another email or name.',
  TOTP_REQUIRED: 'This account signs in with a second factor.',
});

// --- sign in with email and password ---------------------------------------------------------

$('#staff-sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    const body = { email: $('#email').value, password: $('#password').value };
    if (!$('#totp-field').hidden) body.totp = $('#totp').value.trim();
    try {
      csrf = (await api('POST', '/sign-in', body)).csrf;
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
  el('a', { href: '#' }, 'Search'),
  el('a', { href: '#staff', id: 'nav-staff' }, 'Staff'),
  el('a', { href: '#tokens', id: 'nav-tokens' }, 'API tokens'),
  el('a', { href: '#activity', id: 'nav-activity' }, 'Activity'),
  el('a', { href: '#account', id: 'nav-account' }, 'My account'),
  el('span', { id: 'who' }),
);
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
  $('#who').textContent = me.kind === 'staff' ? `${me.email} (${me.role})` : 'admin token (owner)';
  $('#nav-account').hidden = me.kind !== 'staff';
  nav.hidden = false;
  if (me.totp_pending && location.hash !== '#account') {
    location.hash = '#account';
  }
}
onRoute.push(applyRole);

$('#sign-out').addEventListener('click', () => {
  nav.hidden = true;
});

// --- pages -----------------------------------------------------------------------------------

function section(name, title, ...content) {
  const heading = el('h2', { id: `${name}-heading`, tabIndex: -1 }, title);
  const view = el('section', { id: `${name}-view`, hidden: true }, heading, ...content);
  view.setAttribute('aria-labelledby', `${name}-heading`);
  $('main').append(view);
  return view;
}

function field(id, label, props) {
  return [el('label', { htmlFor: id }, label), el('input', { id, ...props })];
}

function roleSelect(id, selected) {
  const select = el('select', { id }, ...ROLES.map((r) => el('option', { value: r, selected: r === selected }, r)));
  return select;
}

// Staff (owners): add, re-role, disable and enable, reset a password, clear a lost second factor.
section(
  'staff',
  'Staff',
  el('table', { id: 'staff-table' }, el('thead', {}, el('tr', {}, ...['Email', 'Role', 'Status', 'Second factor', ''].map((h) => el('th', {}, h)))), el('tbody')),
  el(
    'form',
    { id: 'add-staff-form' },
    el('h3', {}, 'Add a staff account'),
    ...field('new-staff-email', 'Email', { type: 'email', required: true }),
    el('label', { htmlFor: 'new-staff-role' }, 'Role'),
    roleSelect('new-staff-role', 'support'),
    ...field('new-staff-password', 'First password (tell them; they change it under My account)', { type: 'password', autocomplete: 'new-password', required: true }),
    el('button', { type: 'submit', id: 'add-staff-button' }, 'Add'),
  ),
  el(
    'p',
    {},
    el('label', { htmlFor: 'require-totp', className: 'inline' }, el('input', { type: 'checkbox', id: 'require-totp' }), ' Everyone must sign in with a second factor (TOTP)'),
  ),
);

function staffRow(account) {
  const role = roleSelect(`role-${account.id}`, account.role);
  role.addEventListener('change', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/role`, { role: role.value });
      await renderStaff();
      say(`${account.email} is now ${role.value}.`);
    }),
  );
  const toggle = el('button', { type: 'button', className: account.disabled ? 'enable' : 'disable danger' }, account.disabled ? 'Enable' : 'Disable');
  toggle.addEventListener('click', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/${account.disabled ? 'enable' : 'disable'}`);
      await renderStaff();
      say(account.disabled ? `${account.email} may sign in again.` : `${account.email} is signed out and may not sign in.`);
    }),
  );
  const password = el('input', { type: 'password', autocomplete: 'new-password', placeholder: 'New password', className: 'reset-password' });
  const reset = el('button', { type: 'button', className: 'reset-password-button' }, 'Set password');
  reset.addEventListener('click', () =>
    attempt(async () => {
      await api('POST', `/staff/${account.id}/password`, { password: password.value });
      password.value = '';
      say(`New password set for ${account.email}.`);
    }),
  );
  const activity = el('a', { href: '#activity', className: 'activity-link' }, 'Activity');
  activity.addEventListener('click', () => {
    $('#actor-filter').value = account.email;
  });
  const cells = [activity, toggle, el('span', { className: 'inline-form' }, password, reset)];
  if (account.totp) {
    const clear = el('button', { type: 'button', className: 'danger' }, 'Clear second factor');
    clear.addEventListener('click', () =>
      attempt(async () => {
        await api('POST', `/staff/${account.id}/totp/clear`);
        await renderStaff();
        say(`${account.email} sets up a new second factor at the next sign-in.`);
      }),
    );
    cells.push(clear);
  }
  const row = el(
    'tr',
    {},
    el('td', {}, account.email),
    el('td', {}, role),
    el('td', {}, account.disabled ? 'disabled' : 'active'),
    el('td', {}, account.totp ? 'yes' : 'no'),
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
    say(`Added ${added.email} as ${added.role}.`);
  });
});

$('#require-totp').addEventListener('change', () =>
  attempt(async () => {
    const set = await api('POST', '/settings', { require_totp: $('#require-totp').checked });
    say(set.require_totp ? 'Everyone now signs in with a second factor.' : 'A second factor is now optional.');
  }),
);

// API tokens (owners): create (shown once), revoke.
section(
  'tokens',
  'API tokens',
  el('table', { id: 'tokens-table' }, el('thead', {}, el('tr', {}, ...['Name', 'Role', 'Product', 'Expires', 'Last used', 'Status', ''].map((h) => el('th', {}, h)))), el('tbody')),
  el(
    'form',
    { id: 'new-token-form' },
    el('h3', {}, 'Create a token'),
    ...field('token-name', 'Name (the program that uses it)', { required: true, maxLength: 64 }),
    el('label', { htmlFor: 'token-role' }, 'Role'),
    roleSelect('token-role', 'viewer'),
    el('label', { htmlFor: 'token-product' }, 'Product'),
    el('select', { id: 'token-product' }),
    ...field('token-expires', 'Expires on (optional)', { type: 'date' }),
    el('button', { type: 'submit', id: 'create-token-button' }, 'Create token'),
  ),
  el('div', { id: 'new-token', hidden: true }, el('p', {}, 'The new token (copy it now: it is shown only once):'), el('output', { id: 'new-token-text' })),
);

function tokenRow(t) {
  const state = t.revoked_at ? 'revoked' : t.expires_at && t.expires_at * 1000 < Date.now() ? 'expired' : 'active';
  const cells = [];
  if (state === 'active') {
    const revoke = el('button', { type: 'button', className: 'danger revoke-token' }, 'Revoke');
    revoke.dataset.confirm = 'Click again to revoke';
    revoke.addEventListener('click', () =>
      armed(revoke, async () => {
        await api('POST', `/tokens/${t.id}/revoke`);
        await renderTokens();
        say(`${t.name} no longer works.`);
      }),
    );
    cells.push(revoke);
  }
  const row = el(
    'tr',
    {},
    el('td', {}, t.name),
    el('td', {}, t.role),
    el('td', {}, t.product_id || 'all'),
    el('td', {}, when(t.expires_at)),
    el('td', {}, t.last_used_at ? when(t.last_used_at) : 'not yet'),
    el('td', {}, state),
    el('td', {}, ...cells),
  );
  row.dataset.name = t.name;
  return row;
}

async function renderTokens() {
  const [list, products] = await Promise.all([api('GET', '/tokens'), api('GET', '/products')]);
  $('#tokens-table tbody').replaceChildren(...list.map(tokenRow));
  const chosen = $('#token-product').value;
  $('#token-product').replaceChildren(
    el('option', { value: '' }, 'All products'),
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
    say(`Created ${made.api_token.name}.`);
  });
});

// My account (staff): change the password, set up a second factor.
section(
  'account',
  'My account',
  el(
    'form',
    { id: 'own-password-form' },
    el('h3', {}, 'Change your password'),
    ...field('current-password', 'Current password', { type: 'password', autocomplete: 'current-password', required: true }),
    ...field('new-password', 'New password', { type: 'password', autocomplete: 'new-password', required: true }),
    el('button', { type: 'submit' }, 'Change password'),
  ),
  el(
    'div',
    { id: 'totp-setup' },
    el('h3', {}, 'Second factor (authenticator app)'),
    el('button', { type: 'button', id: 'begin-totp' }, 'Set up'),
    el(
      'form',
      { id: 'confirm-totp-form', hidden: true },
      el('p', {}, 'Add this key to your authenticator app (or open the link on your phone), then enter the code it shows:'),
      el('output', { id: 'totp-secret' }),
      el('p', {}, el('a', { id: 'totp-link', href: '#' }, 'otpauth link')),
      ...field('totp-code', '6-digit code', { inputMode: 'numeric', maxLength: 6, required: true }),
      el('button', { type: 'submit' }, 'Turn on'),
    ),
  ),
);

pages['#account'] = async () => {
  showView('account');
  if (me && me.totp_pending) say('Set up your second factor before you change anything.');
};

let pendingSecret = null;

$('#own-password-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(async () => {
    await api('POST', '/me/password', { current: $('#current-password').value, new: $('#new-password').value });
    $('#current-password').value = '';
    $('#new-password').value = '';
    // A new password ends every session of the account, this one too.
    csrf = null;
    nav.hidden = true;
    showView('sign-in');
    say('Password changed. Sign in with the new password.');
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
    say('Second factor on: you will be asked for a code when you sign in.');
  });
});

// Activity (everyone): the event log searched by who acted (an email, `token: NAME`, an address).
section(
  'activity',
  'Activity',
  el(
    'form',
    { id: 'activity-form' },
    ...field('actor-filter', 'Who acted (part of an email, "token: NAME" or an address)', { maxLength: 200 }),
    el('button', { type: 'submit', id: 'activity-button' }, 'Show'),
  ),
  el('ol', { id: 'activity-list' }),
);

async function renderActivity() {
  const who = $('#actor-filter').value.trim();
  const page = await api('GET', '/events?limit=100' + (who ? '&actor=' + encodeURIComponent(who) : ''));
  $('#activity-list').replaceChildren(...page.events.map(eventItem));
  showView('activity');
  say(`${page.events.length} events${who ? ' by ' + who : ''}.`);
}
pages['#activity'] = renderActivity;

$('#activity-form').addEventListener('submit', (event) => {
  event.preventDefault();
  attempt(renderActivity);
});
