// fetch() for the sync API: same-origin cookies, CSRF and device headers, JSON errors
// turned into ApiError.

/** An API answer that was not 2xx, or no answer at all (code 0, error "network"). */
export class ApiError extends Error {
  /**
   * @param {{code: number, status?: string, message?: string, errors?: object, error?: string,
   *          wipe?: boolean}} body the error body of the API ({code, status, message, errors, error})
   */
  constructor(body) {
    super(body.message || body.status || `HTTP ${body.code}`);
    this.name = 'ApiError';
    this.code = body.code;
    this.status = body.status || '';
    this.errors = body.errors || {};
    this.error = body.error || '';
    this.wipe = Boolean(body.wipe);
  }

  /** True when the request never got an answer (offline, dropped connection). */
  get isNetwork() { return this.code === 0; }

  /**
   * True when the user must sign in again, or first choose their own password (they
   * signed in with a temporary one): either way, retrying cannot help until they act.
   */
  get isAuth() { return this.code === 401 || this.error === 'password_change_required'; }
}

/**
 * Call the API and return the decoded JSON body.
 * @param {string} path e.g. "/api/v1/sync/push"
 * @param {{method?: string, body?: object, csrf?: string, deviceId?: string, timeoutMs?: number}} [options]
 *   timeoutMs: abort after this many milliseconds (default 30000)
 * @returns {Promise<object>}
 * @throws {ApiError}
 */
export async function apiFetch(path, { method = 'GET', body, csrf, deviceId, timeoutMs = 30000 } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (csrf) headers['X-CSRFToken'] = csrf;
  if (deviceId) headers['X-Device-Id'] = deviceId;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'manual',
      signal: controller.signal,
    });
  } catch (err) {
    throw new ApiError({ code: 0, error: 'network', message: String(err && err.message) });
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await response.json();
  } catch (err) {
    data = null;
  }
  if (response.type === 'opaqueredirect') {
    // A redirect to the login page: the session is gone.
    throw new ApiError({ code: 401, error: 'login_required' });
  }
  if (!response.ok) {
    throw new ApiError({ code: response.status, ...(data && typeof data === 'object' ? data : {}) });
  }
  if (data === null) throw new ApiError({ code: response.status, error: 'not_json' });
  return data;
}

/**
 * Return a CSRF token minted for the current session (401 ApiError when signed out).
 * @param {string} [deviceId] this browser's device id: a session bound to it refuses
 *   API calls that do not name it
 */
export async function freshCsrf(deviceId) {
  const data = await apiFetch('/api/v1/csrf', { deviceId });
  return data.csrf_token;
}
