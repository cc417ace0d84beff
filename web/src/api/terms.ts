// The server's vocabularies with their Japanese and English labels, so the UI keeps no copy of
// them (docs/api.md, "Terms"): the engine's own — asset kinds and states, employment types, user
// statuses, org unit kinds — from GET /policy's `terms`, and the request states from the
// workflows of the request types GET /registers lists.
//
// Pages show a value with t(`<group>.<id>`) as before: termMessages() turns the lists into those
// message groups, which session.loadTerms() merges into vue-i18n once they are read. A value the
// server does not name shows as its id.

import type { RegisterCatalog } from './registers'

export interface Term {
  id: string
  label: string
  label_en?: string
}

export interface Terms {
  asset_kinds: Term[]
  asset_states: Term[]
  employment_types: Term[]
  user_statuses: Term[]
  org_kinds: Term[]
  /** Every state a request type's workflow names, in the order first named. */
  request_states: Term[]
}

export type TermList = keyof Terms

export const TERM_LISTS: readonly TermList[] = ['asset_kinds', 'asset_states', 'employment_types', 'user_statuses', 'org_kinds', 'request_states']

type Obj = Record<string, unknown>
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)

function readList(v: unknown): Term[] {
  if (!Array.isArray(v)) return []
  const out: Term[] = []
  for (const x of v) {
    if (!isObj(x) || typeof x.id !== 'string' || x.id === '') continue
    out.push({
      id: x.id,
      label: typeof x.label === 'string' && x.label ? x.label : x.id,
      label_en: typeof x.label_en === 'string' && x.label_en ? x.label_en : undefined,
    })
  }
  return out
}

export function emptyTerms(): Terms {
  return { asset_kinds: [], asset_states: [], employment_types: [], user_statuses: [], org_kinds: [], request_states: [] }
}

/** The union of the request types' workflow states, each once, in the order first named. */
export function requestStates(catalog: Pick<RegisterCatalog, 'request_types'> | null | undefined): Term[] {
  const seen = new Map<string, Term>()
  for (const t of catalog?.request_types ?? []) {
    const wf = (t as unknown as Obj).workflow
    const states = isObj(wf) ? readList(wf.states) : []
    for (const s of states) if (!seen.has(s.id)) seen.set(s.id, s)
  }
  return [...seen.values()]
}

/**
 * GET /policy's `terms` (anything unexpected is left out, never thrown) and the request states of
 * GET /registers' catalogue.
 */
export function readTerms(policy: unknown, catalog?: Pick<RegisterCatalog, 'request_types'> | null): Terms {
  const t = isObj(policy) && isObj(policy.terms) ? policy.terms : {}
  return {
    asset_kinds: readList(t.asset_kinds),
    asset_states: readList(t.asset_states),
    employment_types: readList(t.employment_types),
    user_statuses: readList(t.user_statuses),
    org_kinds: readList(t.org_kinds),
    request_states: requestStates(catalog),
  }
}

// The message group each list fills: asset_kind.<id>, org.kind.<id>, …
const GROUPS: Record<TermList, string[]> = {
  asset_kinds: ['asset_kind'],
  asset_states: ['asset_state'],
  employment_types: ['employment'],
  user_statuses: ['status'],
  org_kinds: ['org', 'kind'],
  request_states: ['request_state'],
}

type Messages = { [k: string]: string | Messages }

// vue-i18n reads {, }, @, $ and | in a message as syntax: a label is shown as written.
const literal = (s: string) => s.replace(/[{}@$|]/g, (c) => `{'${c}'}`)

/** The lists as vue-i18n messages per language: the English label, or the Japanese one when none. */
export function termMessages(terms: Terms): { ja: Messages; en: Messages } {
  const ja: Messages = {}
  const en: Messages = {}
  for (const list of TERM_LISTS) {
    if (terms[list].length === 0) continue
    const put = (root: Messages, labels: Messages) => {
      const path = GROUPS[list]
      let node = root
      for (const k of path.slice(0, -1)) node = (node[k] ??= {}) as Messages
      node[path[path.length - 1]] = labels
    }
    put(ja, Object.fromEntries(terms[list].map((x) => [x.id, literal(x.label)])))
    put(en, Object.fromEntries(terms[list].map((x) => [x.id, literal(x.label_en ?? x.label)])))
  }
  return { ja, en }
}

/** A term's label in the current language (its id when the list does not name it). */
export function termLabel(list: Term[], id: string, locale: string): string {
  const x = list.find((t) => t.id === id)
  if (!x) return id
  return locale.startsWith('en') && x.label_en ? x.label_en : x.label
}
