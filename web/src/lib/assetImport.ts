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
