// GET /me/tasks: the records of every register awaiting me or escalated to me (docs/registers.md
// "Escalation, tasks and reporters").
import { api, type RequestOptions } from './client'
import type { List } from './types'

export interface MyTask {
  register: string
  /** the register's page: /r/<path>/<id> */
  path: string
  register_title: string
  register_title_en: string
  id: string
  title: string
  state: string
  state_label: string
  state_label_en: string
  deadline_at: string | null
  overdue: boolean
  /** I may take one of `actions` now */
  awaiting: boolean
  /** the highest escalation level that told me (or the person I deputise for); 0: none */
  escalation_level: number
  updated_at: string
  actions: { action: string; label: string; label_en: string }[]
}

export const tasksApi = {
  mine: (opts?: RequestOptions) => api.get<List<MyTask>>('/me/tasks', opts),
}
