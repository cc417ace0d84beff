import { describe, expect, it } from 'vitest'
import { charClasses, checkPassword, classCount, passwordLength } from './password'

const policy = { min_length: 8, max_length: 64, classes_required: 3, history: 5 }

function failed(pw: string, loginId = 'tanaka') {
  return checkPassword(pw, policy, loginId)
    .filter((r) => !r.ok)
    .map((r) => r.code)
}

describe('checkPassword', () => {
  it('accepts a good password', () => {
    expect(failed('Kobe-2025-xyz')).toEqual([])
  })
  it('names each broken rule', () => {
    expect(failed('abc')).toEqual(['too_short', 'too_few_classes'])
    expect(failed('abcdefgh')).toEqual(['too_few_classes'])
    expect(failed('Tanaka2025!')).toEqual(['contains_login_id'])
    expect(failed('Aa1!' + 'x'.repeat(61))).toEqual(['too_long'])
    expect(failed('Abcdef1\u0007x')).toEqual(['control_characters'])
  })
  it('ignores login IDs shorter than 3 characters, as the server does', () => {
    expect(failed('Ab3defghij', 'ab')).toEqual([])
    expect(failed('xABCx-12', 'abc')).toEqual(['contains_login_id'])
  })
  it('treats the empty password as failing everything', () => {
    expect(failed('')).toEqual(['too_short', 'too_few_classes', 'contains_login_id', 'control_characters'])
  })
  it('omits rules the policy does not set', () => {
    expect(checkPassword('x', { min_length: 1 }, '').map((r) => r.code)).toEqual([
      'too_short',
      'contains_login_id',
      'control_characters',
    ])
  })
})

describe('character classes', () => {
  it('counts upper, lower, digit and symbol', () => {
    expect(charClasses('aB3$')).toEqual({ upper: true, lower: true, digit: true, symbol: true })
    expect(classCount('abc')).toBe(1)
    expect(classCount('abcDEF')).toBe(2)
    expect(classCount('パスワードabc1')).toBe(3)
    expect(classCount('abc def')).toBe(2)
  })
  it('counts code points, not UTF-16 units', () => {
    expect(passwordLength('𠮷野家')).toBe(3)
  })
})
