// The choices a register form offers for its reference fields (org_unit, user, system): read once
// per form from the API the person may read. Where they may not read the list, the form offers
// what they do know — their own section, themselves — and the server checks whatever is sent.
// An asset is entered by its id (no list of every asset is loaded into a form).
import { reactive } from 'vue'
import type { RegisterField } from '../api/registers'
import { systemsApi } from '../api/systems'
import { usersApi } from '../api/users'
import { can, session } from '../session'
import { useOrgUnits } from './useOrgUnits'

export interface RefOption {
  id: string
  label: string
}

/**
 * The sections a person who may not read the org tree knows by name: those their roles are
 * scoped to (the session names them), and their own (by id when no role names it).
 */
export function knownUnits(): RefOption[] {
  const out: RefOption[] = []
  for (const r of session.roles) {
    if (r.scope_type === 'org_unit' && r.scope_id && !out.some((o) => o.id === r.scope_id)) out.push({ id: r.scope_id, label: r.scope_name || r.scope_id })
  }
  const own = session.user?.org_unit_id
  if (own && !out.some((o) => o.id === own)) out.unshift({ id: own, label: own })
  return out
}

export function useReferenceOptions() {
  const org = useOrgUnits()
  const lists = reactive<Record<string, RefOption[] | null>>({})
  const started = new Set<string>()

  async function loadType(type: string): Promise<void> {
    if (started.has(type)) return
    started.add(type)
    try {
      if (type === 'org_unit') {
        if (can('org.read')) {
          await org.load()
          lists.org_unit = org.flat.value.map((n) => ({ id: n.unit.id, label: org.optionLabel(n.unit.id) }))
        } else {
          lists.org_unit = knownUnits()
        }
      } else if (type === 'user') {
        const me = session.user ? [{ id: session.user.id, label: `${session.user.name} (${session.user.login_id})` }] : []
        if (can('users.read')) {
          const r = await usersApi.list({ status: 'active', per_page: 200 })
          lists.user = [...me, ...r.items.filter((u) => u.id !== session.user?.id).map((u) => ({ id: u.id, label: `${u.name} (${u.login_id})` }))]
        } else {
          lists.user = me
        }
      } else if (type === 'system' && can('systems.read')) {
        const r = await systemsApi.list({ per_page: 200 })
        lists.system = r.items.map((s) => ({ id: s.id, label: s.name }))
      }
    } catch {
      lists[type] = null
    }
  }

  /** Starts reading the options of every reference field of a form. */
  function prepare(fields: RegisterField[]): void {
    for (const f of fields) void loadType(f.type)
  }

  /**
   * The options of a field (null: enter an id). A value the list does not hold (a record whose
   * owner the reader cannot list) is kept as an option, named as the record names it.
   */
  function options(f: RegisterField, current?: string, currentName?: string): RefOption[] | null {
    const list = lists[f.type]
    if (!list) return null
    if (current && !list.some((o) => o.id === current)) return [{ id: current, label: currentName || current }, ...list]
    return list
  }

  return { prepare, options }
}
