// The organisation units, read once per page and shared by the pages' selects.

import { computed, ref } from 'vue'
import { orgApi } from '../api/org'
import type { OrgUnit } from '../api/types'
import { buildTree, flattenTree } from './org'

export function useOrgUnits() {
  const units = ref<OrgUnit[]>([])
  const error = ref<unknown>(null)
  const loaded = ref(false)

  async function load() {
    error.value = null
    try {
      const r = await orgApi.list()
      units.value = r.items
    } catch (e) {
      error.value = e
    } finally {
      loaded.value = true
    }
  }

  const byId = computed(() => new Map(units.value.map((u) => [u.id, u])))
  const tree = computed(() => buildTree(units.value))
  const flat = computed(() => flattenTree(tree.value))
  const city = computed(() => units.value.find((u) => u.kind === 'city') ?? null)

  /** Option text with the depth shown by leading full-width spaces. */
  function optionLabel(id: string): string {
    const n = flat.value.find((x) => x.unit.id === id)
    return n ? `${'\u3000'.repeat(n.depth)}${n.unit.name}` : id
  }

  function name(id: string | null | undefined): string {
    return (id && byId.value.get(id)?.name) || ''
  }

  return { units, error, loaded, load, byId, tree, flat, city, optionLabel, name }
}
