// Requests (申請) and their decisions (/requests).
import { api } from './client'
import { seg, type Query } from './query'
import type { List, RequestItem } from './types'

/** The decisions of a request's approver and requester (POST /requests/{id}/<decision>). */
export type RequestDecision = 'approve' | 'reject' | 'withdraw' | 'submit'

export const requestsApi = {
  list: (query: Query) => api.get<List<RequestItem>>('/requests', { query }),
  get: (id: string) => api.get<RequestItem>(`/requests/${seg(id)}`),
  create: (body: Record<string, unknown>) => api.post<RequestItem>('/requests', body),
  decide: (id: string, decision: RequestDecision, body: Record<string, unknown>) => api.post<RequestItem>(`/requests/${seg(id)}/${decision}`, body),
  complete: (id: string, body: Record<string, unknown>) => api.post<RequestItem>(`/requests/${seg(id)}/complete`, body),
  report: (id: string, body: { note?: string }) => api.post<RequestItem>(`/requests/${seg(id)}/report`, body),
}
