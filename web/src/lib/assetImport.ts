import type { ClassificationDimension } from '../api/types'
import { packText } from './requests'

// Reading the asset import's answers. The server words its summary of a rejected file in
// Japanese only ("3 行のうち 1 行に誤りがあります。…", "1 行目（見出し）に誤りがあります。…");
// the numbers are taken from it so that the page can say the same in the UI's language.

export type ImportSummary =
  | { kind: 'rows'; rows: number; rejected: number }
  | { kind: 'header' }
  /** a problem with the file as a whole (encoding, CSV syntax, no rows): the detail as given */
  | { kind: 'file'; detail: string }

export function importSummary(detail: string | undefined | null): ImportSummary {
  const d = (detail ?? '').trim()
  const rows = /(\d+)\s*行のうち\s*(\d+)\s*行に誤り/.exec(d)
  if (rows) return { kind: 'rows', rows: Number(rows[1]), rejected: Number(rows[2]) }
  if (/^1\s*行目（見出し）/.test(d)) return { kind: 'header' }
  return { kind: 'file', detail: d }
}

/** "handling[2]" → "handling": the field an error on one item of a list belongs to. */
export function fieldBase(field: string): string {
  return field.replace(/\[\d+\]$/, '')
}

/** The message keys of an asset's fields, as forms, errors and the history name them. */
const ASSET_FIELD_KEYS: Record<string, string> = {
  name: 'assets.name',
  kind: 'assets.kind',
  owner_org_unit_id: 'assets.owner',
  handling: 'assets.handling',
  location: 'assets.location',
  system_id: 'assets.system',
  version: 'assets.version',
}

/**
 * The label of an asset field ("handling[2]" counts as "handling"): a classification axis in
 * the pack's own words, else the UI's message for the field (`extra` adds keys for fields of
 * one screen), else null.
 */
export function assetFieldLabel(
  field: string,
  dimensions: ClassificationDimension[],
  t: (key: string) => string,
  locale: string,
  extra: Record<string, string> = {},
): string | null {
  const base = fieldBase(field)
  const d = dimensions.find((x) => x.id === base)
  if (d) return packText(d.label, d.label_en, locale)
  const key = extra[base] ?? ASSET_FIELD_KEYS[base]
  return key ? t(key) : null
}
