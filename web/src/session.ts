// The signed-in person, held in memory only. The CSRF token is given to the
// API client and never stored; a reload re-reads everything from
// GET /api/v1/session (the session itself is an HttpOnly cookie).

import { reactive } from 'vue'
import { ApiError, setCsrfToken } from './api/client'
import { authApi } from './api/auth'
import type {
  LoginAnswer,
  Permission,
  Policy,
  PreviousLogin,
  RoleAssignment,
  SessionAnswer,
  User,
} from './api/types'
import { registersApi, type RegisterCatalog } from './api/registers'
import { emptyTerms, readTerms, termMessages, type Terms } from './api/terms'
import { i18n } from './i18n'

/** A step the server demands before anything else, in the order it is taken. */
export type Step = 'mfa' | 'password' | 'mfa-enroll'

export type Notice = 'idle' | 'logged_out' | null

export interface Flash {
  key: string
  params?: Record<string, string | number>
}

interface State {
  status: 'unknown' | 'anonymous' | 'authenticated'
  user: User | null
  roles: RoleAssignment[]
  permissions: Permission[]
  mustChangePassword: boolean
  mfaRequired: boolean
  mfaEnrollmentRequired: boolean
  idleTimeoutSeconds: number
  /** From the login answer; undefined when this page load did not log in. */
  previousLogin: PreviousLogin | null | undefined
  /** Why the login page is shown (idle timeout, logout). */
  notice: Notice
  /** A one-shot success message for the next page. */
  flash: Flash | null
  /** Where to go after sign-in completes (path only; kept in memory). */
  returnTo: string | null
  policy: Policy | null
  /** GET /registers: the registers and request types of the pack (read once the shell shows). */
  registers: RegisterCatalog | null
}

export const session = reactive<State>({
  status: 'unknown',
  user: null,
  roles: [],
  permissions: [],
  mustChangePassword: false,
  mfaRequired: false,
  mfaEnrollmentRequired: false,
  idleTimeoutSeconds: 15 * 60,
  previousLogin: undefined,
  notice: null,
  flash: null,
  returnTo: null,
  policy: null,
  registers: null,
})

let expiredHandler: () => void = () => {}
let idleTimer: ReturnType<typeof setTimeout> | null = null
let registersLoading: Promise<RegisterCatalog | null> | null = null

/** Called with the router's "go to login" once the app is wired. */
export function onSessionExpired(handler: () => void): void {
  expiredHandler = handler
}

export function can(permission: Permission): boolean {
  return session.permissions.includes(permission)
}

/** A permission by name, including those a pack's register declares (lending.read). */
export function hasPermission(permission: string): boolean {
  return (session.permissions as string[]).includes(permission)
}

export function pendingStep(): Step | null {
  if (session.status !== 'authenticated') return null
  if (session.mfaRequired) return 'mfa'
  if (session.mustChangePassword) return 'password'
  if (session.mfaEnrollmentRequired) return 'mfa-enroll'
  return null
}

function clear(): void {
  session.status = 'anonymous'
  session.user = null
  session.roles = []
  session.permissions = []
  session.mustChangePassword = false
  session.mfaRequired = false
  session.mfaEnrollmentRequired = false
  session.previousLogin = undefined
  session.policy = null
  session.registers = null
  registersLoading = null
  setCsrfToken(null)
  stopIdleTimer()
}

function applyFlags(a: LoginAnswer | SessionAnswer): void {
  session.user = a.user
  session.mustChangePassword = !!a.must_change_password
  session.mfaRequired = !!a.mfa_required
  session.mfaEnrollmentRequired = !!a.mfa_enrollment_required
  if (a.csrf_token) setCsrfToken(a.csrf_token)
  session.status = 'authenticated'
}

function applySession(a: SessionAnswer): void {
  applyFlags(a)
  session.roles = a.roles ?? []
  session.permissions = a.permissions ?? []
  if (a.idle_timeout_seconds && a.idle_timeout_seconds > 0) session.idleTimeoutSeconds = a.idle_timeout_seconds
  if (a.previous_login !== undefined && session.previousLogin === undefined) session.previousLogin = a.previous_login
  touch()
}

/** Re-reads the session from the server; anonymous on 401. */
export async function refresh(): Promise<void> {
  try {
    applySession(await authApi.session())
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      clear()
      return
    }
    // 403 while a step is pending: keep what the login answer told us.
    if (e instanceof ApiError && e.status === 403 && session.status === 'authenticated') return
    if (session.status === 'unknown') session.status = 'anonymous'
    throw e
  }
}

export async function login(loginId: string, password: string): Promise<void> {
  const a = await authApi.login(loginId, password)
  session.notice = null
  applyFlags(a)
  session.previousLogin = a.previous_login ?? null
  session.roles = []
  session.permissions = []
  await refresh().catch(() => {})
  touch()
}

export async function verifyMfa(code: string): Promise<void> {
  const a = await authApi.verifyMfa(code)
  applyFlags(a)
  // The MFA answer carries no previous login (null); the one from the password step stands.
  if (a.previous_login) session.previousLogin = a.previous_login
  await refresh().catch(() => {})
}

/**
 * PUT /me/password: 200 with the session document (new csrf_token, new cookie);
 * the step is settled and the earlier token no longer works.
 */
export async function changePassword(current: string, next: string): Promise<void> {
  applyFlags(await authApi.changePassword(current, next))
  await refresh().catch(() => {})
}

/** POST /me/mfa/totp/confirm: the first code passes MFA; answered like a step up. */
export async function confirmTotp(code: string): Promise<void> {
  applyFlags(await authApi.confirmTotp(code))
  await refresh().catch(() => {})
}

export async function logout(): Promise<void> {
  try {
    await authApi.logout()
  } catch {
    /* the session may already be gone; the page forgets it anyway */
  }
  clear()
  session.notice = 'logged_out'
}

/** The server said 401 to a request that needed a session: it timed out or was ended. */
export function expire(): void {
  if (session.status !== 'authenticated') return
  clear()
  session.notice = 'idle'
  expiredHandler()
}

export async function loadPolicy(): Promise<Policy | null> {
  if (session.policy) return session.policy
  try {
    session.policy = await authApi.policy()
  } catch {
    return null
  }
  return session.policy
}

/**
 * The pack's registers, read once (concurrent callers share the one request). When the server
 * answers no catalogue the answer is empty (and asked again next time), so the pages that do not
 * need it still work.
 */
export async function loadRegisters(): Promise<RegisterCatalog> {
  if (session.registers) return session.registers
  if (!registersLoading) registersLoading = registersApi.catalog().catch(() => null)
  const c = await registersLoading
  registersLoading = null
  if (!c) return { registers: [], request_types: [] }
  if (session.status === 'authenticated') session.registers = c
  return c
}

/**
 * The server's vocabularies (asset kinds and states, employment types, user statuses, org unit
 * kinds, request states), read with the policy and the catalogue (docs/api.md, "Terms"). Empty
 * lists until read; a select offers what they hold.
 */
export const terms = reactive<Terms>(emptyTerms())
let termsRead = false

/**
 * Reads the vocabularies once and makes their labels the message groups pages show values with
 * (asset_kind.<id>, status.<id>, …): the server's labels, not a copy in the
 * message files. Asked again while the catalogue could not be read.
 */
export async function loadTerms(): Promise<Terms> {
  if (termsRead) return terms
  const [policy, catalog] = await Promise.all([loadPolicy(), loadRegisters()])
  if (!policy) return terms
  Object.assign(terms, readTerms(policy, catalog))
  const m = termMessages(terms)
  i18n.global.mergeLocaleMessage('ja', m.ja as never)
  i18n.global.mergeLocaleMessage('en', m.en as never)
  termsRead = session.registers !== null
  return terms
}

function stopIdleTimer(): void {
  if (idleTimer) clearTimeout(idleTimer)
  idleTimer = null
}

/**
 * Every successful request restarts the server's idle clock; restart ours to
 * match. When it runs out, ask the server: a 401 means the session is gone, and
 * the page returns to login with the idle message instead of waiting for the
 * next click.
 */
export function touch(): void {
  if (session.status !== 'authenticated') return
  stopIdleTimer()
  idleTimer = setTimeout(probe, (session.idleTimeoutSeconds + 2) * 1000)
}

async function probe(): Promise<void> {
  idleTimer = null
  try {
    await authApi.session().then(applySession)
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) expire()
    else touch()
  }
}
