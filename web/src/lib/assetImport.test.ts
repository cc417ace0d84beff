import { describe, expect, it } from 'vitest'
import { assetFieldLabel, fieldBase, importSummary } from './assetImport'

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

describe('assetFieldLabel', () => {
  const dims = [{ id: 'confidentiality', label: '秘匿性', label_en: 'Secrecy', levels: [1, 2] }] as never[]
  const t = (k: string) => `<${k}>`
  it('names a classification axis in the pack’s words and other fields by their message', () => {
    expect(assetFieldLabel('confidentiality', dims, t, 'ja')).toBe('秘匿性')
    expect(assetFieldLabel('confidentiality', dims, t, 'en')).toBe('Secrecy')
    expect(assetFieldLabel('handling[2]', dims, t, 'ja')).toBe('<assets.handling>')
    expect(assetFieldLabel('file', dims, t, 'ja', { file: 'x.file' })).toBe('<x.file>')
    expect(assetFieldLabel('nonsense', dims, t, 'ja')).toBeNull()
  })
})
