// Users and their role assignments (/users, /role-assignments).
import { api } from './client'
import { seg, type Query } from './query'
import type { ApproverVacancy, AuditEntry, CreatedUser, List, PendingAnswer, RoleAssignment, User } from './types'

/** The account actions of a user's page (POST /users/{id}/suspend, /resume). */
export type UserStateAction = 'suspend' | 'resume'

export const usersApi = {
  list: (query: Query) => api.get<List<User>>('/users', { query }),
  get: (id: string) => api.get<User>(`/users/${seg(id)}`),
  create: (body: Record<string, unknown>) => api.post<CreatedUser>('/users', body),
  /** PATCH with the version read (a stale one answers 409 conflict). */
  update: (id: string, body: Record<string, unknown>) => api.patch<User>(`/users/${seg(id)}`, body),
  remove: (id: string) => api.del<void>(`/users/${seg(id)}`),
  setState: (id: string, action: UserStateAction) => api.post<unknown>(`/users/${seg(id)}/${action}`),
  resetPassword: (id: string) => api.post<{ temporary_password: string }>(`/users/${seg(id)}/reset-password`),
  /** 200 when done at once; 202 with the request whose approval does it for a privileged user. */
  resetMfa: (id: string) => api.post<PendingAnswer | undefined>(`/users/${seg(id)}/reset-mfa`, {}),
  endSessions: (id: string) => api.del<{ sessions_ended: number }>(`/users/${seg(id)}/sessions`),
  history: (id: string, query: Query = { per_page: 100 }) => api.get<List<AuditEntry>>(`/users/${seg(id)}/history`, { query }),
}

/** Approver roles nobody holds in force over a scope (GET /approver-vacancies). */
export const vacanciesApi = {
  list: () => api.get<List<ApproverVacancy>>('/approver-vacancies'),
}

export const roleAssignmentsApi = {
  list: (query: Query) => api.get<List<RoleAssignment>>('/role-assignments', { query }),
  /** A role that needs a second person answers the request whose approval grants it. */
  create: (body: Record<string, unknown>) => api.post<RoleAssignment | PendingAnswer>('/role-assignments', body),
  end: (id: string) => api.del<void>(`/role-assignments/${seg(id)}`),
}
