// Who may not read the org tree is offered the sections they know by name, never a bare id where
// the session names the section.
import { afterEach, describe, expect, it } from 'vitest'
import type { RoleAssignment, User } from '../api/types'
import { session } from '../session'
import { knownUnits } from './useReferenceOptions'

const user = { id: 'p1', login_id: 'yamada', name: '山田 花子', org_unit_id: 'u1', status: 'active' } as User
const role = (scope_id: string, scope_name: string | null, scope_type: RoleAssignment['scope_type'] = 'org_unit') =>
  ({ id: `r-${scope_id}`, user_id: 'p1', role: 'shokuin', scope_type, scope_id, scope_name }) as RoleAssignment

afterEach(() => {
  session.user = null
  session.roles = []
})

describe('the sections a reader without org.read is offered', () => {
  it('names the own section by the role scoped to it', () => {
    session.user = user
    session.roles = [role('u1', '情報推進課')]
    expect(knownUnits()).toEqual([{ id: 'u1', label: '情報推進課' }])
  })

  it('adds the sections other roles reach, once each, and the own section by id when no role names it', () => {
    session.user = user
    session.roles = [role('u2', '総務課'), role('u2', '総務課'), role('c1', null, 'city')]
    expect(knownUnits()).toEqual([
      { id: 'u1', label: 'u1' },
      { id: 'u2', label: '総務課' },
    ])
  })

  it('offers nothing to no one', () => {
    expect(knownUnits()).toEqual([])
  })
})
