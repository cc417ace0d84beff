// Shapes of the API v1 answers the UI uses (DESIGN.md, "API v1 contract").

export type Permission =
  | 'org.read'
  | 'org.manage'
  | 'users.read'
  | 'users.manage'
  | 'roles.manage'
  | 'audit.read'
  | 'audit.verify'
  | 'policy.read'

export type UserStatus = 'active' | 'locked' | 'suspended' | 'expired' | 'deleted' | 'disabled'

export type EmploymentType = 'regular' | 'reappointed' | 'fixed_term' | 'fiscal_year' | 'dispatched' | 'contractor'

export const EMPLOYMENT_TYPES: EmploymentType[] = [
  'regular',
  'reappointed',
  'fixed_term',
  'fiscal_year',
  'dispatched',
  'contractor',
]

export const USER_STATUSES: UserStatus[] = ['active', 'locked', 'suspended', 'expired', 'deleted']

export interface User {
  id: string
  login_id: string
  name: string
  org_unit_id: string | null
  employment_type?: EmploymentType
  status: UserStatus
  expires_on?: string | null
  last_login_at?: string | null
  last_login_address?: string | null
  must_change_password?: boolean
  mfa_enrolled?: boolean
  created_at?: string
  password_changed_at?: string | null
  locked_until?: string | null
  deleted_at?: string | null
}

export interface PreviousLogin {
  at: string
  address: string
}

export interface LoginAnswer {
  user: User
  csrf_token: string
  must_change_password: boolean
  mfa_required: boolean
  mfa_enrollment_required: boolean
  previous_login?: PreviousLogin | null
}

export type ScopeType = 'city' | 'org_unit' | 'system'

export interface RoleAssignment {
  id: string
  user_id?: string
  role: string
  role_title?: string
  role_title_en?: string
  scope_type: ScopeType
  scope_id: string | null
  scope_name?: string | null
  valid_from?: string | null
  valid_to?: string | null
  delegate_of?: string | null
}

export interface SessionAnswer {
  user: User
  roles: RoleAssignment[]
  permissions: Permission[]
  csrf_token: string
  must_change_password: boolean
  mfa_required: boolean
  mfa_enrollment_required: boolean
  idle_timeout_seconds?: number
  previous_login?: PreviousLogin | null
}

export interface PolicyRole {
  id: string
  title: string
  title_en?: string
  /** scope types the role may be given with, when the pack says */
  scopes?: ScopeType[]
  clause?: string
  permissions?: string[]
  privileged?: boolean
}

export interface Policy {
  pack: string
  title: string
  title_en?: string
  version: string
  roles: PolicyRole[]
  separation_of_duties?: { roles: [string, string]; clause?: string }[]
  authentication: {
    password: {
      min_length: number
      max_length?: number
      classes_required?: number
      history?: number
      temporary_must_change?: boolean
      privileged_max_age_days?: number
      clause?: string
    }
    lockout?: { max_failures: number; lock_minutes: number; clause?: string }
    session?: { idle_minutes: number; absolute_hours: number; clause?: string }
    mfa?: { required_for: string | string[]; clause?: string }
    ids?: { inactive_days?: number; expiry_required_for?: string[]; clause?: string }
  }
}

export type OrgKind = 'city' | 'bureau' | 'department' | 'section'
export const ORG_KINDS: OrgKind[] = ['city', 'bureau', 'department', 'section']

export interface OrgUnit {
  id: string
  code: string
  name: string
  kind: OrgKind
  parent_id: string | null
}

export interface List<T> {
  items: T[]
  total: number
}

export interface CreatedUser extends User {
  temporary_password: string
}

export interface TotpEnrolment {
  secret: string
  otpauth_uri: string
  qr_svg?: string
}

export interface AuditEntry {
  seq: number
  at: string
  actor: string | null
  actor_login_id?: string | null
  action: string
  target?: string | null
  result: string
  address?: string | null
  clause?: string | null
  detail?: unknown
  hash: string
}

export type VerifyAnswer =
  | { ok: true; entries: number; head: string }
  | { ok: false; first_bad_seq: number; reason?: string; entries?: number }

export interface ProblemError {
  field: string
  code: string
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  clause?: string
  errors?: ProblemError[]
}

export type UserAction = 'suspend' | 'resume' | 'reset' | 'delete'
