// The HTTP client: JSON and raw (file) bodies go through the same path, with the CSRF header,
// problem documents as ApiError and the session hooks.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { api, ApiError, setCsrfToken, setHooks } from './client'

interface Sent {
  url: string
  init: RequestInit
}

function answer(status: number, body: string, type = 'application/json'): Response {
  return new Response(status === 204 ? null : body, { status, headers: { 'Content-Type': type } })
}

let sent: Sent[] = []
let next: () => Response = () => answer(200, '{}')
const hooks = { onUnauthenticated: vi.fn(), onStepRequired: vi.fn(), onActivity: vi.fn() }

beforeEach(() => {
  sent = []
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    sent.push({ url, init })
    return next()
  })
  setCsrfToken('tok-123')
  for (const h of Object.values(hooks)) h.mockReset()
  setHooks(hooks)
})
afterEach(() => {
  vi.unstubAllGlobals()
  setCsrfToken(null)
})

function headersOf(i = 0): Record<string, string> {
  return sent[i].init.headers as Record<string, string>
}

describe('api client', () => {
  it('sends JSON bodies as JSON, with the CSRF token on non-GET calls', async () => {
    next = () => answer(201, '{"id":"a1"}')
    const got = await api.post<{ id: string }>('/assets', { name: 'x' })
    expect(got).toEqual({ id: 'a1' })
    expect(sent[0].url).toBe('/api/v1/assets')
    expect(sent[0].init.method).toBe('POST')
    expect(sent[0].init.body).toBe('{"name":"x"}')
    expect(headersOf()['Content-Type']).toBe('application/json')
    expect(headersOf()['X-CSRF-Token']).toBe('tok-123')
    expect(sent[0].init.credentials).toBe('same-origin')
    expect(hooks.onActivity).toHaveBeenCalledOnce()
  })

  it('uses the new CSRF token a step up answers with, and ignores tokens in GET answers', async () => {
    next = () => answer(200, '{"csrf_token":"tok-new","user":{}}')
    await api.put('/me/password', { current_password: 'a', new_password: 'b' })
    next = () => answer(200, '{"csrf_token":"tok-from-get"}')
    await api.get('/session')
    next = () => answer(204, '')
    await api.del('/me/sessions/abc')
    expect(headersOf(0)['X-CSRF-Token']).toBe('tok-123')
    expect(headersOf(2)['X-CSRF-Token']).toBe('tok-new')
  })

  it('sends no body, content type or CSRF token on GET', async () => {
    await api.get('/assets', { query: { q: '台帳', page: 2, kind: '' } })
    expect(sent[0].url).toBe('/api/v1/assets?q=%E5%8F%B0%E5%B8%B3&page=2')
    expect(sent[0].init.body).toBeUndefined()
    expect(headersOf()['Content-Type']).toBeUndefined()
    expect(headersOf()['X-CSRF-Token']).toBeUndefined()
  })

  it('sends a raw body as is, with its own content type and the query', async () => {
    next = () => answer(200, '{"dry_run":true,"rows":2,"encoding":"cp932"}')
    const bytes = new Uint8Array([0x96, 0xbc, 0x8f, 0xcc, 0x0a])
    const got = await api.postRaw('/assets/import', bytes, 'text/csv', { query: { dry_run: true, encoding: '', file_name: '台帳.csv' } })
    expect(got).toEqual({ dry_run: true, rows: 2, encoding: 'cp932' })
    expect(sent[0].url).toBe('/api/v1/assets/import?dry_run=true&file_name=%E5%8F%B0%E5%B8%B3.csv')
    expect(sent[0].init.body).toBe(bytes)
    expect(headersOf()['Content-Type']).toBe('text/csv')
    expect(headersOf()['X-CSRF-Token']).toBe('tok-123')
    expect(headersOf().Accept).toBe('application/json')
  })

  it('turns a problem answer to a raw body into ApiError with its rows and columns', async () => {
    const problem = {
      type: '/problems/validation_failed',
      title: 'validation_failed',
      status: 422,
      detail: '2 行のうち 1 行に誤りがあります。取り込みは行われていません（1 件も登録していません）',
      errors: [{ field: 'confidentiality', code: 'out_of_range', row: 3, column: '機密性' }],
    }
    next = () => answer(422, JSON.stringify(problem), 'application/problem+json')
    const err = await api.postRaw('/assets/import', new Uint8Array([0x41]), 'text/csv').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    const e = err as ApiError
    expect(e.status).toBe(422)
    expect(e.code).toBe('validation_failed')
    expect(e.problem.errors).toEqual(problem.errors)
    expect(hooks.onActivity).not.toHaveBeenCalled()
    expect(hooks.onUnauthenticated).not.toHaveBeenCalled()
  })

  it('reports a lost session on 401 unauthenticated, for raw bodies too', async () => {
    next = () => answer(401, '{"type":"/problems/unauthenticated"}', 'application/problem+json')
    await expect(api.postRaw('/assets/import', new Uint8Array([0x41]), 'text/csv')).rejects.toBeInstanceOf(ApiError)
    expect(hooks.onUnauthenticated).toHaveBeenCalledOnce()
  })

  it('names a network failure', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('failed to fetch')
    })
    const err = (await api.get('/session').catch((e: unknown) => e)) as ApiError
    expect(err.status).toBe(0)
    expect(err.code).toBe('network')
  })
})
