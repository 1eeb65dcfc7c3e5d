// The explorer's client of the /v1 API: JSON reads, and writes that carry the bearer token when
// the server needs one. The token is asked for once (before the first write, or again after the
// server refused it) and kept in sessionStorage: this tab only, gone when it closes.

const tokenKey = 'stemedb.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function answer(response) {
  const body = await response.json().catch(() => undefined);
  if (response.ok) return body;
  const error = body && body.error ? body.error : { code: `HTTP_${response.status}`, message: response.statusText };
  throw new ApiError(response.status, error.code, error.message);
}

export async function get(path) {
  return answer(await fetch(path, { headers: { accept: 'application/json' } }));
}

export function writesNeedToken() {
  return document.querySelector('meta[name="stemedb-writes"]')?.getAttribute('content') === 'token';
}

export function storedToken() {
  return sessionStorage.getItem(tokenKey) ?? undefined;
}

/** Opens the token dialog; resolves with the token saved, or undefined when cancelled. */
export function askToken(why) {
  const dialog = document.getElementById('token-dialog');
  const form = document.getElementById('token-form');
  const input = document.getElementById('token-input');
  document.getElementById('token-why').textContent = why;
  input.value = '';
  return new Promise((resolve) => {
    const cancel = document.getElementById('token-cancel');
    const done = (token) => {
      form.removeEventListener('submit', onSubmit);
      cancel.removeEventListener('click', onCancel);
      dialog.removeEventListener('cancel', onCancel);
      if (dialog.open) dialog.close();
      resolve(token);
    };
    const onSubmit = (event) => {
      event.preventDefault();
      const token = input.value;
      if (token === '') return;
      sessionStorage.setItem(tokenKey, token);
      done(token);
    };
    const onCancel = (event) => {
      event.preventDefault();
      done(undefined);
    };
    form.addEventListener('submit', onSubmit);
    cancel.addEventListener('click', onCancel);
    dialog.addEventListener('cancel', onCancel);
    dialog.showModal();
    input.focus();
  });
}

async function send(path, body, token) {
  const headers = { 'content-type': 'application/json', accept: 'application/json' };
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  return fetch(path, { method: 'POST', headers, body: JSON.stringify(body) });
}

/** POSTs a record; asks for the token first when the server needs one and none is kept. */
export async function post(path, body) {
  let token = storedToken();
  if (token === undefined && writesNeedToken()) {
    token = await askToken('This server needs a token for writes. It is kept for this tab only.');
    if (token === undefined) throw new ApiError(401, 'UNAUTHORIZED', 'no token given: nothing was written');
  }
  let response = await send(path, body, token);
  if (response.status === 401) {
    sessionStorage.removeItem(tokenKey);
    token = await askToken('The server refused that token. Enter the token it was started with (--token).');
    if (token === undefined) throw new ApiError(401, 'UNAUTHORIZED', 'no token given: nothing was written');
    response = await send(path, body, token);
  }
  return answer(response);
}

export function clearToken() {
  sessionStorage.removeItem(tokenKey);
}
