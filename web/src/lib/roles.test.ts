import { describe, expect, it } from 'vitest'
import type { Policy, RoleAssignment } from '../api/types'
import { assignmentTitle, roleTitle, scopeText } from './roles'

const messages: Record<string, string> = {
  'roles.staff': '職員等',
  'scope.city': '全庁',
  'scope.org_unit': '組織',
  'scope.named': '{kind}：{name}',
}
const t = (k: string, p: Record<string, unknown> = {}) => (messages[k] ?? k).replace(/\{(\w+)\}/g, (_, x) => String(p[x]))
const te = (k: string) => k in messages

const policy = { roles: [{ id: 'ciso', title: 'CISO（最高責任者）', title_en: 'Chief Information Security Officer' }] } as unknown as Policy
const base: RoleAssignment = { id: '1', role: 'staff', scope_type: 'org_unit', scope_id: 'abc' }

describe('roles', () => {
  it('prefers the pack title, then the message file, then the id', () => {
    expect(roleTitle('ciso', policy, 'ja', t, te)).toBe('CISO（最高責任者）')
    expect(roleTitle('ciso', policy, 'en', t, te)).toBe('Chief Information Security Officer')
    expect(roleTitle('staff', policy, 'ja', t, te)).toBe('職員等')
    expect(roleTitle('nobody', policy, 'ja', t, te)).toBe('nobody')
  })
  it('prefers the titles on the assignment itself', () => {
    expect(assignmentTitle({ ...base, role_title: '職員', role_title_en: 'Staff member' }, null, 'en', t, te)).toBe('Staff member')
    expect(assignmentTitle(base, null, 'ja', t, te)).toBe('職員等')
  })
  it('names the scope, never showing an opaque id', () => {
    expect(scopeText({ ...base, scope_type: 'city', scope_id: null }, t, te)).toBe('全庁')
    expect(scopeText({ ...base, scope_name: '市民課' }, t, te)).toBe('組織：市民課')
    expect(scopeText(base, t, te, (id) => (id === 'abc' ? '保険年金課' : ''))).toBe('組織：保険年金課')
    expect(scopeText(base, t, te)).toBe('組織')
  })
})
