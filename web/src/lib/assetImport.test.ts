import { describe, expect, it } from 'vitest'
import { fieldBase, importSummary } from './assetImport'

describe('importSummary', () => {
  it('reads the rows and rejected rows from a rejected file', () => {
    expect(importSummary('12 行のうち 3 行に誤りがあります。取り込みは行われていません（1 件も登録していません）')).toEqual({
      kind: 'rows',
      rows: 12,
      rejected: 3,
    })
  })
  it('knows a header problem', () => {
    expect(importSummary('1 行目（見出し）に誤りがあります。取り込みは行われていません')).toEqual({ kind: 'header' })
  })
  it('keeps any other detail as given', () => {
    expect(importSummary('4 行目に UTF-8 として読めない文字があります')).toEqual({ kind: 'file', detail: '4 行目に UTF-8 として読めない文字があります' })
    expect(importSummary(undefined)).toEqual({ kind: 'file', detail: '' })
  })
})

describe('fieldBase', () => {
  it('drops a list index', () => {
    expect(fieldBase('handling[2]')).toBe('handling')
    expect(fieldBase('confidentiality')).toBe('confidentiality')
  })
})
