// The message files: same keys in both languages, every key the code names
// exists, and no user-visible Japanese text hard-coded in components.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import en from './en.json'
import ja from './ja.json'

type Tree = { [k: string]: string | Tree }

function flatten(t: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [k, v] of Object.entries(t)) {
    if (typeof v === 'string') out.set(prefix + k, v)
    else for (const [kk, vv] of flatten(v, `${prefix}${k}.`)) out.set(kk, vv)
  }
  return out
}

const jaKeys = flatten(ja as Tree)
const enKeys = flatten(en as Tree)
const srcDir = join(__dirname, '..')

function sources(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...sources(p))
    else if (/\.(vue|ts)$/.test(name) && !name.endsWith('.test.ts')) out.push(p)
  }
  return out
}

describe('message files', () => {
  it('have the same keys in ja and en', () => {
    expect([...jaKeys.keys()].filter((k) => !enKeys.has(k))).toEqual([])
    expect([...enKeys.keys()].filter((k) => !jaKeys.has(k))).toEqual([])
  })

  it('use only placeholders the other language also uses', () => {
    const ph = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
    for (const [k, v] of jaKeys) expect(ph(enKeys.get(k) ?? ''), k).toEqual(ph(v))
  })

  it('avoid characters vue-i18n treats as syntax', () => {
    for (const [k, v] of [...jaKeys, ...enKeys]) {
      expect(/[|@$]/.test(v), `${k}: ${v}`).toBe(false)
    }
  })

  it('contain every literal key the code uses', () => {
    const missing: string[] = []
    for (const file of sources(srcDir)) {
      const text = readFileSync(file, 'utf8')
      for (const m of text.matchAll(/\bt\(\s*'([a-z_]+(?:\.[a-z_0-9]+)+)'/g)) {
        if (!jaKeys.has(m[1])) missing.push(`${file}: ${m[1]}`)
      }
      for (const m of text.matchAll(/(?:label|action|key|title): '([a-z_]+\.[a-z_.]+)'/g)) {
        if (!jaKeys.has(m[1]) && !m[1].startsWith('.')) missing.push(`${file}: ${m[1]}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('leave no Japanese text hard-coded in components', () => {
    const offenders: string[] = []
    for (const file of sources(srcDir)) {
      if (!file.endsWith('.vue')) continue
      const text = readFileSync(file, 'utf8')
        .replace(/<!--[\s\S]*?-->/g, '')
        .replace(/\/\/.*$/gm, '')
        .replace(/\/\*[\s\S]*?\*\//g, '')
      const hit = /[\u3040-\u30ff\u3400-\u9fff\uff01-\uff5e]/.exec(text)
      if (hit) offenders.push(`${file}: ${text.slice(Math.max(0, hit.index - 30), hit.index + 30)}`)
    }
    expect(offenders).toEqual([])
  })
})
