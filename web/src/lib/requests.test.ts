import { describe, expect, it } from 'vitest'
import type { FieldDef, Policy } from '../api/types'
import { approverRoles, emptyForm, fieldErrors, formBody, handlingSuggestions, problemDetail, typeTitle } from './requests'

const fields: FieldDef[] = [
  { id: 'destination', label: '持出先', label_en: 'Destination', type: 'text', required: true, max_length: 200 },
  { id: 'summary', label: '概要', type: 'long_text', required: false },
  { id: 'period_to', label: '返却予定日', label_en: 'Return by', type: 'date', required: true },
  { id: 'max_confidentiality', label: '最高機密性', type: 'int', required: true, min: 1, max: 3 },
  { id: 'encrypted', label: '暗号化', type: 'bool', required: true },
  { id: 'method', label: '方法', type: 'choice', required: true, choices: ['copy', 'email'] },
]

const policy = {
  pack: 'x',
  title: 'x',
  version: '1',
  roles: [],
  authentication: { password: { min_length: 8 } },
  request_types: [
    {
      id: 'take_out',
      title: '持ち出し',
      title_en: 'Take-out',
      assets: 'required',
      max_assets: 10,
      approver: { role: 'information_manager', scope: 'asset_owner' },
      fields: [],
      completion: [],
      deny: [{ when: '"持出禁止" in asset.handling', clause: 'kobe:4.2イ', message: '持出禁止です', message_en: 'Not to be taken out' }],
    },
    {
      id: 'exception',
      title: '例外措置',
      assets: 'optional',
      max_assets: 10,
      approver: { role: 'ciso', scope: 'city' },
      fields: [],
      completion: [],
      deny: [],
    },
  ],
} as unknown as Policy

describe('generated request forms', () => {
  it('start empty, boxes unchecked', () => {
    expect(emptyForm(fields)).toEqual({ destination: '', summary: '', period_to: '', max_confidentiality: '', encrypted: false, method: '' })
  })

  it('send typed values and leave out empty ones', () => {
    const body = formBody(fields, { destination: ' 本庁 ', summary: '', period_to: '2025-04-01', max_confidentiality: '3', encrypted: true, method: 'copy' })
    expect(body).toEqual({ destination: '本庁', period_to: '2025-04-01', max_confidentiality: 3, encrypted: true, method: 'copy' })
    expect(formBody(fields, emptyForm(fields))).toEqual({ encrypted: false })
    expect(formBody(fields, { ...emptyForm(fields), max_confidentiality: 'x' }).max_confidentiality).toBe('x')
  })

  it('map the API field errors back to the inputs', () => {
    const problem = {
      errors: [
        { field: 'fields.period_to', code: 'required' },
        { field: 'fields.period_to', code: 'invalid_date' },
        { field: 'completion.returned_on', code: 'required' },
        { field: 'asset_ids', code: 'required' },
      ],
    }
    expect(fieldErrors(problem, 'fields')).toEqual({ period_to: ['required', 'invalid_date'] })
    expect(fieldErrors(problem, 'completion')).toEqual({ returned_on: ['required'] })
    expect(fieldErrors(null, 'fields')).toEqual({})
  })
})

describe('pack helpers', () => {
  it('offer the handling restrictions the rules test for', () => {
    expect(handlingSuggestions(policy)).toEqual(['持出禁止'])
  })

  it("show a problem's English detail in English, and the Japanese one otherwise or when there is none", () => {
    const denied = { detail: '持出禁止です', detail_en: 'Not to be taken out' }
    expect(problemDetail(denied, 'en')).toBe('Not to be taken out')
    expect(problemDetail(denied, 'ja')).toBe('持出禁止です')
    expect(problemDetail({ detail: '入力内容に誤りがあります' }, 'en')).toBe('入力内容に誤りがあります')
  })

  it('name titles in the current language', () => {
    expect(typeTitle(policy.request_types![0], 'en')).toBe('Take-out')
    expect(typeTitle(policy.request_types![1], 'en')).toBe('例外措置')
    expect(typeTitle({ type_title: '持ち出し', type_title_en: 'Take-out' }, 'ja')).toBe('持ち出し')
  })

  it('know the approver roles', () => {
    expect([...approverRoles(policy)].sort()).toEqual(['ciso', 'information_manager'])
  })
})
