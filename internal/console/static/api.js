// The console's only way to the server: the public API, with the signed-in
// user's bearer token. The token lives in this tab's sessionStorage (so a
// reload keeps the session and closing the tab forgets it), never in a
// cookie: the API trusts only the Authorization header, so there is no
// cross-site request to forge.

const TOKEN_URL = '/core/authmgr/v3/oauth2/token';
const KEY = 'casemgr.console.session';

export const LOCALES = [
  ['en-US', 'English (US)'], ['es-ES', 'Español'], ['fr-FR', 'Français (France)'],
  ['it-IT', 'Italiano'], ['de-DE', 'Deutsch'], ['nl-NL', 'Nederlands'],
  ['pt-BR', 'Português (Brasil)'], ['pt-PT', 'Português (Portugal)'], ['da-DK', 'Dansk'],
  ['ru-RU', 'Русский'], ['fr-CA', 'Français (Canada)'], ['zh-CN', '中文 (简体)'],
  ['ja-JP', '日本語'], ['ko-KR', '한국어'], ['sv-SE', 'Svenska'],
];

let session = load();
let locale = localStorage.getItem('casemgr.console.locale') || 'en-US';

function load() {
  try { return JSON.parse(sessionStorage.getItem(KEY)) || null; } catch { return null; }
}
function save() {
  if (session) sessionStorage.setItem(KEY, JSON.stringify(session));
  else sessionStorage.removeItem(KEY);
}

export function signedIn() { return !!(session && session.access); }
export function getLocale() { return locale; }
export function setLocale(l) {
  locale = l;
  localStorage.setItem('casemgr.console.locale', l);
}

// ApiError is a refusal of the API: status, eGain code, the user's message
// and one message per item it names.
export class ApiError extends Error {
  constructor(status, body) {
    const msg = (body && (body.userMessage || body.developerMessage || body.error_description || body.error)) ||
      `The server answered ${status}.`;
    super(msg);
    this.status = status;
    this.code = (body && (body.code || body.error)) || String(status);
    this.details = (body && body.details) || [];
  }
}

async function bodyOf(res) {
  const ct = res.headers.get('Content-Type') || '';
  if (res.status === 204 || !ct.includes('json')) return null;
  try { return await res.json(); } catch { return null; }
}

async function grant(form) {
  const res = await fetch(TOKEN_URL, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Accept': 'application/json',
      'Accept-Language': locale, 'X-egain-error-message': 'yes' },
    body: new URLSearchParams(form),
  });
  const body = await bodyOf(res);
  if (!res.ok) throw new ApiError(res.status, body);
  return body;
}

// signIn uses the password grant as a public client: no client secret is
// sent, because a page served to every browser cannot keep one.
export async function signIn(username, password) {
  const t = await grant({ grant_type: 'password', username, password });
  session = { access: t.access_token, refresh: t.refresh_token };
  save();
}

// signOut ends the login session on the server (its tokens stop working
// at once), then forgets them here.
export async function signOut() {
  const s = session;
  session = null;
  save();
  if (s && s.access) {
    try {
      await fetch('/core/authmgr/v3/user/logout', { method: 'DELETE', headers: { Authorization: `Bearer ${s.access}` } });
    } catch { /* the tokens are forgotten either way */ }
  }
}

export function forget() { session = null; save(); }

let refreshing = null;
async function refresh() {
  if (!session || !session.refresh) return false;
  refreshing ??= grant({ grant_type: 'refresh_token', refresh_token: session.refresh })
    .then(t => { session = { access: t.access_token, refresh: t.refresh_token }; save(); return true; })
    .catch(() => false)
    .finally(() => { refreshing = null; });
  return refreshing;
}

// request calls the API and returns {status, body, headers}; a refusal
// throws ApiError. An expired access token is renewed once with the refresh
// token; a session that cannot be renewed raises ApiError 401.
export async function request(method, path, { body, raw, contentType } = {}) {
  const attempt = async () => {
    const headers = { Accept: 'application/json', 'Accept-Language': locale, 'X-egain-error-message': 'yes' };
    if (session) headers.Authorization = `Bearer ${session.access}`;
    let payload;
    if (raw !== undefined) { payload = raw; headers['Content-Type'] = contentType || 'application/octet-stream'; }
    else if (body !== undefined) { payload = JSON.stringify(body); headers['Content-Type'] = 'application/json'; }
    return fetch(path, { method, headers, body: payload });
  };
  let res = await attempt();
  if (res.status === 401 && await refresh()) res = await attempt();
  const data = await bodyOf(res);
  if (!res.ok) {
    if (res.status === 401) forget();
    throw new ApiError(res.status, data);
  }
  return { status: res.status, body: data, headers: res.headers };
}

export const get = (path) => request('GET', path);

// download fetches a file with the bearer token and hands it to the
// browser as a download.
export async function download(path, name) {
  let res = await fetch(path, { headers: { Authorization: `Bearer ${session && session.access}`, 'Accept-Language': locale, 'X-egain-error-message': 'yes' } });
  if (res.status === 401 && await refresh()) {
    res = await fetch(path, { headers: { Authorization: `Bearer ${session.access}` } });
  }
  if (!res.ok) throw new ApiError(res.status, await bodyOf(res));
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name || 'attachment';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
