// The organisation tree (city → 局/室/区 → 部 → 課) built from the flat list
// the API answers, and its flattening for <select> options.

import type { OrgUnit } from '../api/types'

export interface OrgNode {
  unit: OrgUnit
  depth: number
  children: OrgNode[]
}

/** Builds the forest; units whose parent is unknown become roots. Siblings sort by code. */
export function buildTree(units: OrgUnit[]): OrgNode[] {
  const byId = new Map<string, OrgNode>()
  for (const u of units) byId.set(u.id, { unit: u, depth: 0, children: [] })
  const roots: OrgNode[] = []
  for (const node of byId.values()) {
    const parent = node.unit.parent_id ? byId.get(node.unit.parent_id) : undefined
    if (parent && parent !== node) parent.children.push(node)
    else roots.push(node)
  }
  const sort = (list: OrgNode[], depth: number, seen: Set<string>) => {
    list.sort((a, b) => a.unit.code.localeCompare(b.unit.code) || a.unit.name.localeCompare(b.unit.name))
    for (const n of list) {
      if (seen.has(n.unit.id)) continue
      seen.add(n.unit.id)
      n.depth = depth
      sort(n.children, depth + 1, seen)
    }
  }
  sort(roots, 0, new Set())
  return roots
}

/** Depth-first list of the tree, for indented <select> options. */
export function flattenTree(roots: OrgNode[]): OrgNode[] {
  const out: OrgNode[] = []
  const walk = (list: OrgNode[]) => {
    for (const n of list) {
      out.push(n)
      walk(n.children)
    }
  }
  walk(roots)
  return out
}

/** "神戸市 › 総務局 › 情報政策課" — the path from the root to a unit. */
export function unitPath(units: Map<string, OrgUnit>, id: string | null | undefined, sep = ' › '): string {
  const names: string[] = []
  const seen = new Set<string>()
  let cur = id ? units.get(id) : undefined
  while (cur && !seen.has(cur.id)) {
    seen.add(cur.id)
    names.unshift(cur.name)
    cur = cur.parent_id ? units.get(cur.parent_id) : undefined
  }
  return names.join(sep)
}
