// The information system ledger (/systems).
import { api } from './client'
import { seg, type Query } from './query'
import type { InfoSystem, List } from './types'

export const systemsApi = {
  list: (query: Query) => api.get<List<InfoSystem>>('/systems', { query }),
  get: (id: string) => api.get<InfoSystem>(`/systems/${seg(id)}`),
  create: (body: Record<string, unknown>) => api.post<InfoSystem>('/systems', body),
  /** PATCH with the version read (a stale one answers 409 conflict). */
  update: (id: string, version: number, body: Record<string, unknown>) => api.patch<InfoSystem>(`/systems/${seg(id)}`, { ...body, version }),
}
