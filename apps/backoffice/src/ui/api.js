// The server's API as the back office calls it: the session token from the login, JSON in and
// out, errors with the server's message.

const KEY = 'openkassa.backoffice.token';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  set(token) {
    if (token) sessionStorage.setItem(KEY, token);
    else sessionStorage.removeItem(KEY);
  },
  /** Called when the server no longer knows the session (expired, logged out elsewhere). */
  onExpired: () => undefined,
};

const headers = (extra = {}) => ({
  ...(session.token ? { authorization: `Bearer ${session.token}` } : {}),
  ...extra,
});

/** `path` with its query (undefined and empty values left out). */
export function url(path, query = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

export async function api(path, { method = 'GET', body, query } = {}) {
  const r = await fetch(url(`/api/v1${path}`, query), {
    method,
    headers: headers(body === undefined ? {} : { 'content-type': 'application/json' }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (r.status === 401 && !path.startsWith('/auth/login')) {
    session.set(null);
    session.onExpired();
  }
  if (!r.ok)
    throw new ApiError(r.status, data?.error?.code ?? 'http', data?.error?.message ?? `HTTP ${r.status}`);
  return data;
}

/** A report or export as a file the browser saves (the request carries the session). */
export async function download(path, query) {
  const r = await fetch(url(`/api/v1${path}`, query), { headers: headers() });
  if (!r.ok) {
    const data = await r.json().catch(() => null);
    throw new ApiError(r.status, data?.error?.code ?? 'http', data?.error?.message ?? `HTTP ${r.status}`);
  }
  const name = /filename="([^"]+)"/.exec(r.headers.get('content-disposition') ?? '')?.[1] ?? 'report';
  const blob = await r.blob();
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
  return name;
}

/** A JSON POST with upload progress (big catalogue files): onprogress(sent, total). */
export function postWithProgress(path, body, onprogress) {
  return new Promise((resolve, reject) => {
    const x = new XMLHttpRequest();
    x.open('POST', `/api/v1${path}`);
    for (const [k, v] of Object.entries(headers({ 'content-type': 'application/json' })))
      x.setRequestHeader(k, v);
    x.upload.onprogress = (e) => onprogress(e.loaded, e.total);
    x.onload = () => {
      let data = null;
      try {
        data = JSON.parse(x.responseText);
      } catch {
        data = null;
      }
      if (x.status >= 200 && x.status < 300) resolve(data);
      else
        reject(
          new ApiError(x.status, data?.error?.code ?? 'http', data?.error?.message ?? `HTTP ${x.status}`),
        );
    };
    x.onerror = () => reject(new ApiError(0, 'network', 'Сервер недоступен'));
    x.send(JSON.stringify(body));
  });
}
