import { describe, expect, it } from 'vitest'
import type { OrgUnit } from '../api/types'
import { buildTree, flattenTree, unitPath } from './org'

const units: OrgUnit[] = [
  { id: 's2', code: '0102', name: '情報政策課', kind: 'section', parent_id: 'b1' },
  { id: 'c', code: '00', name: '神戸市', kind: 'city', parent_id: null },
  { id: 'b1', code: '01', name: '総務局', kind: 'bureau', parent_id: 'c' },
  { id: 's1', code: '0101', name: '総務課', kind: 'section', parent_id: 'b1' },
  { id: 'x', code: '99', name: '迷子', kind: 'section', parent_id: 'missing' },
]

describe('org tree', () => {
  it('nests units under their parents, sorted by code', () => {
    const roots = buildTree(units)
    expect(roots.map((r) => r.unit.id)).toEqual(['c', 'x'])
    expect(roots[0].children[0].unit.id).toBe('b1')
    expect(roots[0].children[0].children.map((n) => n.unit.id)).toEqual(['s1', 's2'])
    expect(flattenTree(roots).map((n) => [n.unit.id, n.depth])).toEqual([
      ['c', 0],
      ['b1', 1],
      ['s1', 2],
      ['s2', 2],
      ['x', 0],
    ])
  })
  it('gives the path of a unit', () => {
    const map = new Map(units.map((u) => [u.id, u]))
    expect(unitPath(map, 's2')).toBe('神戸市 › 総務局 › 情報政策課')
    expect(unitPath(map, null)).toBe('')
  })
  it('survives a cycle', () => {
    const cyc: OrgUnit[] = [
      { id: 'a', code: '1', name: 'A', kind: 'bureau', parent_id: 'b' },
      { id: 'b', code: '2', name: 'B', kind: 'bureau', parent_id: 'a' },
    ]
    expect(buildTree(cyc)).toEqual([])
    expect(unitPath(new Map(cyc.map((u) => [u.id, u])), 'a')).toBe('B › A')
  })
})
