// The one JSON API helper of the console and the customer portal (served to each from its own
// path). `jsonApi(base, csrfToken)` answers `api(method, path, body)`: a same-origin request to
// `base + path` with the session cookie, the CSRF token the caller holds now (`csrfToken()`, sent
// when there is one), a JSON body when given; it answers the parsed JSON (null when empty) and
// throws `{code, message}` for any refusal: the server's own, `OFFLINE` when the server cannot be
// reached, `INTERNAL` for an answer without a code.
export function jsonApi(base, csrfToken) {
  return async function api(method, path, body) {
    const headers = {};
    const csrf = csrfToken();
    if (csrf) headers['X-CSRF-Token'] = csrf;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response;
    try {
      response = await fetch(base + path, {
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
      throw data && data.code ? data : { code: 'INTERNAL', message: `unexpected answer ${response.status}` };
    }
    return data;
  };
}
