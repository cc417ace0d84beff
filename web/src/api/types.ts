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
  | 'assets.read'
  | 'assets.manage'
  | 'assets.read_restricted'
  | 'systems.read'
  | 'systems.manage'
  | 'requests.create'
  | 'requests.read'

// The ids below are the server's: the lists and their labels are GET /policy's `terms` and the
// request types' workflows of GET /registers (api/terms.ts); the UI keeps no copy of them.

/** One of `terms.user_statuses`. */
export type UserStatus = string

/** One of `terms.employment_types`. */
export type EmploymentType = string

export interface User {
  id: string
  login_id: string
  name: string
  org_unit_id: string | null
  employment_type?: EmploymentType
  status: UserStatus
  expires_on?: string | null
  /** where notifications are mailed (docs/notifications.md) */
  email?: string | null
  last_login_at?: string | null
  last_login_address?: string | null
  must_change_password?: boolean
  mfa_enrolled?: boolean
  created_at?: string
  password_changed_at?: string | null
  locked_until?: string | null
  deleted_at?: string | null
  /** optimistic locking of PATCH /users/{id} */
  version?: number
  /** assignment ids a transfer ended (PATCH answer only) */
  roles_ended?: string[]
}

/** POST /role-assignments for a role that needs a second person, and POST /users/{id}/reset-mfa
 * for a privileged user: the request whose approval does it. */
export interface PendingAnswer {
  request_id: string
}

/** An approver role nobody holds in force over a scope (GET /approver-vacancies). */
export interface ApproverVacancy {
  role: string
  role_title: string
  role_title_en?: string
  scope_type: 'city' | 'org_unit'
  scope_id: string | null
  scope_name: string | null
  request_types: { id: string; title: string; title_en?: string }[]
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
  /** second_person: a grant waits for another person's approval */
  grant?: 'direct' | 'second_person'
  on_transfer?: 'end' | 'keep'
  /** the clause when the role must be independent of the holder's own unit and roles */
  independent?: string | null
}

/** One axis of the pack's classification (機密性, 完全性, 可用性). */
export interface ClassificationDimension {
  id: string
  label: string
  label_en?: string
  levels: number[]
}

export interface Classification {
  clause?: string
  dimensions: ClassificationDimension[]
  in_scope_when?: string | null
  restricted_confidentiality?: number
}

export type FieldType = 'text' | 'long_text' | 'date' | 'int' | 'bool' | 'choice' | 'system'

/** A form field a request type defines (its request form or its completion record). */
export interface FieldDef {
  id: string
  label: string
  label_en?: string
  type: FieldType
  required: boolean
  max_length?: number
  min?: number
  max?: number
  choices?: string[]
}

export interface DenyRule {
  when: string
  clause?: string
  message: string
  message_en?: string
}

export interface RequestType {
  id: string
  title: string
  title_en?: string
  clause?: string
  /** role_assign | mfa_reset: made from a user's page, approval does it */
  effect?: string | null
  /** whether the request names assets */
  assets: 'required' | 'optional' | 'none'
  max_assets: number
  applies_when?: string | null
  approver: { role: string; scope: string }
  /** the ordered approval chain (kobe:8.1.4); one step for a type with a single approver */
  approvers?: { role: string; scope: string }[]
  fields: FieldDef[]
  completion: FieldDef[]
  deny: DenyRule[]
  state_in_effect?: string
  state_on_complete?: string
  report_after?: boolean
  report_within_hours?: number
  expires_field?: string
  retention_years?: number
}

export interface Policy {
  pack: string
  /** The engine's own vocabularies with their labels (read with api/terms.ts readTerms). */
  terms?: Record<string, { id: string; label: string; label_en?: string }[]>
  // Other documents the pack cites ("proc:2(1)③"), each with its prefix.
  sources?: { prefix: string; title: string; title_en?: string }[]
  classification?: Classification
  request_types?: RequestType[]
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
      city_choice?: string[]
    }
    lockout?: { max_failures: number; lock_minutes: number; clause?: string; city_choice?: string[] }
    session?: { idle_minutes: number; absolute_hours: number; clause?: string; city_choice?: string[] }
    mfa?: { required_for: string | string[]; clause?: string }
    ids?: { inactive_days?: number; expiry_required_for?: string[]; clause?: string; city_choice?: string[] }
  }
}

/** One of `terms.org_kinds`. */
export type OrgKind = string

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
  /** The acting person's name (null for the system, anonymous, or someone the reader may not see). */
  actor_name?: string | null
  /** "asset", "user", "request", "system", "org_unit", "session", … (null: the target names no object). */
  target_type?: string | null
  target_id?: string | null
  /** The target in words, in the language asked for (`lang`). */
  target_label?: string | null
  /** The reader may not see the target: the label says so. */
  target_hidden?: boolean
  /** The target is an asset the reader may not see: `detail` is null. */
  detail_withheld?: boolean
  /** Names of the objects the detail refers to, "org_unit:<id>" → name, null when hidden. */
  refs?: Record<string, string | null>
}

export type VerifyAnswer =
  | { ok: true; entries: number; head: string }
  | { ok: false; first_bad_seq: number; reason?: string; entries?: number }

export interface ProblemError {
  field: string
  code: string
  /** In an imported file: the row as a spreadsheet numbers it (the header is row 1). */
  row?: number
  /** In an imported file: the column's heading as the file writes it. */
  column?: string
}

/** POST /assets/import: a dry run's answer, or (201) the import's. */
export interface AssetImportAnswer {
  dry_run: boolean
  rows: number
  encoding: string
  imported?: number
  ids?: string[]
}

export interface Problem {
  type?: string
  title?: string
  status?: number
  detail?: string
  /** The detail in English, when the text is the pack's and has one (a deny rule's message_en). */
  detail_en?: string
  clause?: string
  errors?: ProblemError[]
}

export type UserAction = 'suspend' | 'resume' | 'reset' | 'delete'

/** One of `terms.asset_kinds`. */
export type AssetKind = string

/** One of `terms.asset_states`. */
export type AssetState = string

export interface Asset {
  id: string
  name: string
  kind: AssetKind
  owner_org_unit_id: string
  owner_org_unit_name?: string | null
  confidentiality: number
  integrity: number
  availability: number
  /** 機密性3・完全性2・可用性2, from the pack */
  label: string
  label_en?: string
  in_scope?: boolean
  handling: string[]
  location?: string | null
  system_id?: string | null
  state: AssetState
  created_by?: string
  created_at?: string
  updated_at?: string
  version: number
}


export interface InfoSystem {
  id: string
  name: string
  owner_org_unit_id: string
  owner_org_unit_name?: string | null
  network_zone: string
  network_zone_label?: string
  network_zone_label_en?: string
  hosting: string
  hosting_label?: string
  hosting_label_en?: string
  sla_availability?: string | null
  rto_minutes?: number | null
  rpo_minutes?: number | null
  system_owner_user_id?: string | null
  system_admin_user_id?: string | null
  notes?: string | null
  created_at?: string
  updated_at?: string
  version: number
}

/** A state of the request type's workflow (GET /registers). */
export type RequestState = string

export type FieldValue = string | number | boolean | null

export interface RequestActions {
  approve: boolean
  reject: boolean
  withdraw: boolean
  submit: boolean
  complete: boolean
  report: boolean
}

/** One step of a request's approval chain (docs/policy_pack.md `approvers`). */
export interface ApprovalStep {
  step: number
  role: string
  role_title: string
  role_title_en: string
  scope_type: ScopeType | string
  scope_id: string | null
  scope_name: string | null
  status: 'approved' | 'due' | 'rejected' | 'pending' | string
  by: string | null
}

export interface RequestApproval {
  step: number
  steps: number
  chain: ApprovalStep[]
}

/** A request (申請) as the API answers it. */
export interface RequestItem {
  id: string
  type: string
  type_title: string
  type_title_en?: string
  state: RequestState
  clause?: string
  requester_id: string
  requester_org_unit_id?: string
  asset_ids: string[]
  fields: Record<string, FieldValue>
  completion: Record<string, FieldValue>
  approver: { role: string; scope_type: ScopeType | string; scope_id: string | null }
  /** the approval chain: `step` of `steps` approvals given, each step's holder and who took it */
  approval?: RequestApproval
  decided_by: string | null
  decided_at: string | null
  decision_note?: string
  expires_on: string | null
  report_due_at: string | null
  created_at: string
  updated_at: string
  version: number
  actions: RequestActions
}

/** One of the signed-in person's live sessions (GET /api/v1/me/sessions). */
export interface SessionItem {
  /** Short reference, the id for DELETE /me/sessions/{id}; never the token. */
  id: string
  started_at: string
  last_seen_at: string
  address: string
  user_agent: string
  /** A short label such as "Chrome 120 (Windows)". */
  browser: string
  current: boolean
  mfa_passed: boolean
}
