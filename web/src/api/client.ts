// The one place the UI talks HTTP. It adds the CSRF header to every non-GET
// request (the token lives only in memory), keeps the new token a step up
// answers with (the server renews the session at sign-in, MFA, TOTP enrolment
// and a password change, and the old token is dead at once), turns problem
// documents into ApiError, and reports a lost session (401) and activity to the
// session store.

import type { Problem } from './types'

export class ApiError extends Error {
  readonly status: number
  readonly problem: Problem
  /** The problem code: the last segment of `type` (e.g. "invalid_credentials"). */
  readonly code: string

  constructor(status: number, problem: Problem) {
    super(problem.detail || problem.title || `HTTP ${status}`)
    this.status = status
    this.problem = problem
    const t = problem.type ?? ''
    this.code = t.includes('/') ? t.slice(t.lastIndexOf('/') + 1) : t || `http_${status}`
  }
}

let csrfToken: string | null = null

/** Whether `e` is a problem document naming `field` in its errors (to mark that input invalid). */
export function namesField(e: unknown, field: string): boolean {
  return e instanceof ApiError && (e.problem.errors ?? []).some((x) => x.field === field)
}

export function setCsrfToken(token: string | null): void {
  csrfToken = token
}

interface Hooks {
  /** A request that needed a session got 401 unauthenticated: the session is gone. */
  onUnauthenticated: () => void
  /** The server wants a sign-in step first (password change, MFA). */
  onStepRequired: () => void
  /** A request succeeded with a session: the server's idle clock restarted. */
  onActivity: () => void
}

let hooks: Hooks = { onUnauthenticated: () => {}, onStepRequired: () => {}, onActivity: () => {} }

export function setHooks(h: Hooks): void {
  hooks = h
}

export interface RequestOptions {
  /** Do not treat 401 as "session lost" (login, initial session check). */
  anonymousOk?: boolean
  query?: Record<string, string | number | boolean | null | undefined>
}

export function buildQuery(query?: RequestOptions['query']): string {
  if (!query) return ''
  const p = new URLSearchParams()
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue
    p.set(k, String(v))
  }
  const s = p.toString()
  return s ? `?${s}` : ''
}

/** A request body as it goes on the wire: JSON text, or a file's bytes with their own type. */
interface Payload {
  data: BodyInit
  contentType: string
}

/** Bytes a raw-body request can carry (a file as chosen, or read into memory). */
export type RawBody = Blob | ArrayBuffer | Uint8Array<ArrayBuffer>

// The one code path of every call: CSRF header, problem documents, 401 and activity hooks.
async function send<T>(method: string, path: string, payload: Payload | undefined, opts: RequestOptions): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (payload !== undefined) headers['Content-Type'] = payload.contentType
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken

  let res: Response
  try {
    res = await fetch(`/api/v1${path}${buildQuery(opts.query)}`, {
      method,
      headers,
      body: payload?.data,
      credentials: 'same-origin',
      cache: 'no-store',
    })
  } catch {
    throw new ApiError(0, { type: '/problems/network', title: 'network' })
  }

  if (!res.ok) {
    let problem: Problem = { status: res.status }
    try {
      const text = await res.text()
      if (text) problem = { status: res.status, ...(JSON.parse(text) as Problem) }
    } catch {
      /* not a problem document; keep the status */
    }
    const err = new ApiError(res.status, problem)
    if (!opts.anonymousOk) {
      // Only "unauthenticated" means the session is gone; a 401 that names
      // another problem (a wrong code, MFA owed) leaves it alive.
      if (res.status === 401 && (err.code === 'unauthenticated' || err.code === 'http_401')) hooks.onUnauthenticated()
      else if (err.code === 'password_change_required' || err.code === 'mfa_required') hooks.onStepRequired()
    }
    throw err
  }
  hooks.onActivity()
  if (res.status === 204) return undefined as T
  const text = await res.text()
  const body = (text ? JSON.parse(text) : undefined) as T
  if (method !== 'GET') takeRenewedToken(body)
  return body
}

/** A step-up answer is the session document with a new csrf_token: use it from now on. */
export function takeRenewedToken(body: unknown): void {
  if (body && typeof body === 'object' && typeof (body as { csrf_token?: unknown }).csrf_token === 'string') {
    csrfToken = (body as { csrf_token: string }).csrf_token
  }
}

/** A call with a JSON body (or none). */
export function request<T>(method: string, path: string, body?: unknown, opts: RequestOptions = {}): Promise<T> {
  return send<T>(method, path, body === undefined ? undefined : { data: JSON.stringify(body), contentType: 'application/json' }, opts)
}

/** A call whose body is sent as is (an uploaded file), with its content type. */
export function requestRaw<T>(method: string, path: string, body: RawBody, contentType: string, opts: RequestOptions = {}): Promise<T> {
  return send<T>(method, path, { data: body, contentType }, opts)
}

export const api = {
  get: <T>(path: string, opts?: RequestOptions) => request<T>('GET', path, undefined, opts),
  post: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('POST', path, body ?? {}, opts),
  put: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PUT', path, body ?? {}, opts),
  patch: <T>(path: string, body?: unknown, opts?: RequestOptions) => request<T>('PATCH', path, body ?? {}, opts),
  del: <T>(path: string, opts?: RequestOptions) => request<T>('DELETE', path, undefined, opts),
  /** POST of a file's bytes, e.g. a CSV as `text/csv`. */
  postRaw: <T>(path: string, body: RawBody, contentType: string, opts?: RequestOptions) => requestRaw<T>('POST', path, body, contentType, opts),
}
