// Sign-in and the session: GET/POST/DELETE /session, the MFA step, the password change and the
// TOTP enrolment (DESIGN.md, API v1 "Session").
import { api } from './client'
import type { LoginAnswer, Policy, SessionAnswer, TotpEnrolment } from './types'

export const authApi = {
  session: () => api.get<SessionAnswer>('/session', { anonymousOk: true }),
  login: (loginId: string, password: string) => api.post<LoginAnswer>('/session', { login_id: loginId, password }, { anonymousOk: true }),
  verifyMfa: (code: string) => api.post<LoginAnswer>('/session/mfa', { code }, { anonymousOk: true }),
  logout: () => api.del<void>('/session', { anonymousOk: true }),
  changePassword: (current: string, next: string) => api.put<LoginAnswer>('/me/password', { current_password: current, new_password: next }),
  startTotp: () => api.post<TotpEnrolment>('/me/mfa/totp'),
  confirmTotp: (code: string) => api.post<LoginAnswer>('/me/mfa/totp/confirm', { code }),
  /** GET /policy: the pack in force (roles, classification, request types, rules). */
  policy: () => api.get<Policy>('/policy'),
}
