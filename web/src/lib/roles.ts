// Names of roles and scopes for display: the policy pack's titles when it has
// been read, the message files otherwise.

import type { Policy, RoleAssignment } from '../api/types'

type T = (key: string, params?: Record<string, unknown>) => string
type TE = (key: string) => boolean

export function roleTitle(id: string, policy: Policy | null, locale: string, t: T, te: TE): string {
  const own = te(`roles.${id}`) ? t(`roles.${id}`) : null
  const r = policy?.roles.find((x) => x.id === id)
  if (r) return locale.startsWith('en') ? r.title_en || own || r.title : r.title
  return own ?? id
}

/** The title of an assignment's role: the server's own titles first. */
export function assignmentTitle(a: RoleAssignment, policy: Policy | null, locale: string, t: T, te: TE): string {
  const own = locale.startsWith('en') ? a.role_title_en : a.role_title
  return own && own !== a.role ? own : roleTitle(a.role, policy, locale, t, te)
}

/** "組織：市民課" — `unitName` resolves an org unit id when the answer has no scope_name. */
export function scopeText(a: RoleAssignment, t: T, te: TE, unitName?: (id: string) => string): string {
  const kind = te(`scope.${a.scope_type}`) ? t(`scope.${a.scope_type}`) : a.scope_type
  if (a.scope_type === 'city') return kind
  // An opaque id means nothing to a person: without a name, the kind alone.
  const name = a.scope_name || (a.scope_id && unitName ? unitName(a.scope_id) : '') || ''
  return name ? t('scope.named', { kind, name }) : kind
}
