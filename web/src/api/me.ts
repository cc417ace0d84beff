// The signed-in person's own sessions (GET/DELETE /me/sessions).
import { api, type RequestOptions } from './client'
import { seg } from './query'
import type { List, SessionItem } from './types'

export const meApi = {
  sessions: (opts?: RequestOptions) => api.get<List<SessionItem>>('/me/sessions', opts),
  endSession: (id: string) => api.del<void>(`/me/sessions/${seg(id)}`),
}
