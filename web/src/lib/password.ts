// Live checks of a new password against the policy pack's rules, run as the
// user types. The server checks the same rules (and those only it can check:
// breached/dictionary words, similarity to the current password, reuse of
// the last N passwords); its 422 answer is the final word.

export interface PasswordPolicy {
  min_length: number
  max_length?: number
  classes_required?: number
  history?: number
}

/** Rule codes; they match the server's `errors[].code` for password_rejected. */
export type ClientRule = 'too_short' | 'too_long' | 'too_few_classes' | 'contains_login_id' | 'control_characters'

export interface RuleResult {
  code: ClientRule
  ok: boolean
}

export interface CharClasses {
  upper: boolean
  lower: boolean
  digit: boolean
  symbol: boolean
}

/** Length in characters (code points), not UTF-16 units. */
export function passwordLength(pw: string): number {
  return Array.from(pw).length
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/u

function asciiLower(s: string): string {
  return s.replace(/[A-Z]/g, (c) => c.toLowerCase())
}

export function charClasses(pw: string): CharClasses {
  const c = { upper: false, lower: false, digit: false, symbol: false }
  for (const ch of pw) {
    if (ch >= 'A' && ch <= 'Z') c.upper = true
    else if (ch >= 'a' && ch <= 'z') c.lower = true
    else if (ch >= '0' && ch <= '9') c.digit = true
    else if (!CONTROL.test(ch)) c.symbol = true // every other printable character, non-ASCII included
  }
  return c
}

export function classCount(pw: string): number {
  return Object.values(charClasses(pw)).filter(Boolean).length
}

/** Checks every client-checkable rule; each result names its rule. */
export function checkPassword(pw: string, policy: PasswordPolicy, loginId: string): RuleResult[] {
  const len = passwordLength(pw)
  const out: RuleResult[] = [{ code: 'too_short', ok: len >= policy.min_length }]
  if (policy.max_length && policy.max_length > 0) {
    out.push({ code: 'too_long', ok: len <= policy.max_length })
  }
  if (policy.classes_required && policy.classes_required > 1) {
    out.push({ code: 'too_few_classes', ok: classCount(pw) >= policy.classes_required })
  }
  // As the server: ASCII case-insensitive, and only for IDs of 3 characters or more.
  const id = asciiLower(loginId.trim())
  const applies = passwordLength(id) >= 3
  out.push({ code: 'contains_login_id', ok: pw.length > 0 && (!applies || !asciiLower(pw).includes(id)) })
  out.push({ code: 'control_characters', ok: pw.length > 0 && !CONTROL.test(pw) })
  return out
}
