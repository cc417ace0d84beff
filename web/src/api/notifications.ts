// GET /api/v1/notifications, POST /api/v1/notifications/{id}/read and /read-all
// (docs/notifications.md): the signed-in person's own notifications.
import { api } from './client'

export interface NotificationItem {
  id: string
  /** what made it: the pack's template id, e.g. "request_submitted" */
  kind: string
  subject: string
  body: string
  /** the app's path of what it is about, e.g. "/requests/<id>" */
  link: string | null
  target: string | null
  created_at: string
  read_at: string | null
}

export interface NotificationList {
  items: NotificationItem[]
  total: number
  unread: number
}

export const notificationsApi = {
  list: (page = 1, perPage = 20) =>
    api.get<NotificationList>('/notifications', { query: { page, per_page: perPage } }),
  markRead: (id: string) => api.post<NotificationItem>(`/notifications/${encodeURIComponent(id)}/read`),
  markAllRead: () => api.post<{ marked: number; unread: number }>('/notifications/read-all'),
}
