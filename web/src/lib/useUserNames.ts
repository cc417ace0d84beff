// Names of the people a page mentions by id (requester, approver). The signed-in person is
// known; others are read once each when this person may read users, and otherwise shown by
// a short form of their id.

import { reactive } from 'vue'
import { usersApi } from '../api/users'
import { can, session } from '../session'

const cache = reactive(new Map<string, string | null>())

export function useUserNames() {
  function ensure(id: string | null | undefined): void {
    if (!id || cache.has(id) || id === session.user?.id) return
    if (!can('users.read')) return
    cache.set(id, null)
    usersApi
      .get(id)
      .then((u) => cache.set(id, `${u.name} (${u.login_id})`))
      .catch(() => {})
  }

  /** The name when known, otherwise the first characters of the id. */
  function name(id: string | null | undefined): string {
    if (!id) return ''
    if (id === session.user?.id && session.user) return `${session.user.name} (${session.user.login_id})`
    return cache.get(id) ?? `#${id.slice(0, 8)}`
  }

  /** Whether a real name is known (not just the short id). */
  function known(id: string | null | undefined): boolean {
    return !!id && ((id === session.user?.id && !!session.user) || !!cache.get(id))
  }

  return { ensure, name, known }
}
