// Forms generated from the policy pack: a request type's fields (and its completion record)
// become inputs, their values become the JSON the API takes, and the API's field errors
// ("fields.period_to") find their way back to the input they name.

import type { FieldDef, FieldValue, Policy, Problem, RequestType } from '../api/types'

/** What an input holds while it is edited: text for most types, a boolean for a checkbox. */
export type FormValues = Record<string, string | boolean>

const en = (locale: string) => locale.startsWith('en')

/** A title or label from the pack in the current language (the Japanese one when no English). */
export function packText(ja: string, enText: string | undefined, locale: string): string {
  return en(locale) && enText ? enText : ja
}

export function typeTitle(t: { title?: string; title_en?: string; type_title?: string; type_title_en?: string }, locale: string): string {
  const ja = t.title ?? t.type_title ?? ''
  const e = t.title_en ?? t.type_title_en
  return packText(ja, e, locale)
}

export function fieldLabel(f: FieldDef, locale: string): string {
  return packText(f.label, f.label_en, locale)
}

/** Empty values for a form: unchecked boxes, empty text. */
export function emptyForm(fields: FieldDef[]): FormValues {
  const out: FormValues = {}
  for (const f of fields) out[f.id] = f.type === 'bool' ? false : ''
  return out
}

/**
 * The JSON the API takes for a form. Empty optional inputs are left out; an empty required
 * one is left out too, so the server names it (422 "fields.x": required). Numbers that do
 * not parse are sent as typed, for the server to name as well.
 */
export function formBody(fields: FieldDef[], values: FormValues): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {}
  for (const f of fields) {
    const v = values[f.id]
    if (f.type === 'bool') {
      out[f.id] = v === true
      continue
    }
    const s = typeof v === 'string' ? (f.type === 'long_text' ? v.replace(/\s+$/, '') : v.trim()) : ''
    if (s === '') continue
    if (f.type === 'int') {
      out[f.id] = /^-?\d+$/.test(s) ? Number(s) : s
      continue
    }
    out[f.id] = s
  }
  return out
}

/** Field errors of a problem under a prefix: "fields.period_to" → { period_to: ["required"] }. */
export function fieldErrors(problem: Problem | null | undefined, prefix: string): Record<string, string[]> {
  const out: Record<string, string[]> = {}
  for (const e of problem?.errors ?? []) {
    if (!e.field || !e.field.startsWith(`${prefix}.`)) continue
    const id = e.field.slice(prefix.length + 1)
    ;(out[id] ??= []).push(e.code)
  }
  return out
}

/**
 * Handling restrictions the pack's rules test for (e.g. `"持出禁止" in asset.handling`), offered
 * as suggestions so the register uses the exact words the rules match.
 */
export function handlingSuggestions(policy: Policy | null | undefined): string[] {
  const out = new Set<string>()
  for (const t of policy?.request_types ?? []) {
    for (const d of t.deny ?? []) {
      for (const m of (d.when ?? '').matchAll(/"([^"]+)"\s+in\s+asset\.handling/g)) out.add(m[1])
    }
    for (const m of (t.applies_when ?? '').matchAll(/"([^"]+)"\s+in\s+asset\.handling/g)) out.add(m[1])
  }
  return [...out]
}

/**
 * A problem's detail in the current language: the server answers `detail_en` beside `detail` when
 * the text is the pack's and has an English version (a deny rule's message_en; docs/api.md).
 */
export function problemDetail(problem: { detail?: string; detail_en?: string }, locale: string): string | undefined {
  return en(locale) && problem.detail_en ? problem.detail_en : problem.detail
}

/** Request types that take assets (for an asset's "make a request" list). */
export function typesForAssets(policy: Policy | null | undefined): RequestType[] {
  return (policy?.request_types ?? []).filter((t) => t.assets !== 'none')
}

/** Roles some request type names as its approver. */
export function approverRoles(policy: Policy | null | undefined): Set<string> {
  return new Set((policy?.request_types ?? []).map((t) => t.approver.role))
}
