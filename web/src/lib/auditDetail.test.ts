import { describe, expect, it } from 'vitest'
import en from '../locales/en.json'
import ja from '../locales/ja.json'
import fixture from '../api/fixtures/terms.json'
import { readTerms, termMessages } from '../api/terms'
import { actionLabel, detailParts, detailText, type DetailContext } from './auditDetail'

type Tree = { [k: string]: string | Tree }
function messages(tree: Tree) {
  const flat = new Map<string, string>()
  const walk = (t: Tree, prefix: string) => {
    for (const [k, v] of Object.entries(t)) typeof v === 'string' ? flat.set(prefix + k, v) : walk(v, `${prefix}${k}.`)
  }
  walk(tree, '')
  const t = (k: string, p: Record<string, unknown> = {}) => (flat.get(k) ?? k).replace(/\{(\w+)\}/g, (_, x) => String(p[x]))
  const te = (k: string) => flat.has(k)
  return { t, te }
}
// The value names (states, kinds, employment) are the server's, merged in as the app merges them.
function merged(base: Tree, extra: Tree): Tree {
  const out: Tree = { ...base }
  for (const [k, v] of Object.entries(extra)) out[k] = typeof v === 'string' || typeof out[k] !== 'object' ? v : merged(out[k] as Tree, v)
  return out
}
const serverTerms = termMessages(readTerms(fixture.policy, fixture.catalog as never))
const JA = messages(merged(ja as Tree, serverTerms.ja as Tree))
const EN = messages(merged(en as Tree, serverTerms.en as Tree))

function text(action: string, detail: unknown, refs: DetailContext['refs'] = {}, lang = JA) {
  return detailText({ action, detail, refs, ...lang })
}

describe('operation-log detail in words', () => {
  it('names a role and its scope by the unit, not by ids', () => {
    const detail = { assignment_id: 'a1', role: 'information_manager', scope_type: 'org_unit', scope_id: 'u1' }
    expect(text('role.assign', detail, { 'org_unit:u1': '市民課' })).toBe('役割: 情報管理者 / 範囲: 組織：市民課')
    expect(text('role.assign', detail, { 'org_unit:u1': 'Citizens Section' }, EN)).toBe(
      `Role: ${EN.t('roles.information_manager')} / Scope: ${EN.t('scope.named', { kind: EN.t('scope.org_unit'), name: 'Citizens Section' })}`,
    )
  })

  it('shows a city-wide scope as the city, and a scope without a name by its kind alone', () => {
    expect(text('role.assign', { role: 'ciso', scope_type: 'city', scope_id: '' })).toBe('役割: CISO（情報化統括責任者） / 範囲: 全庁')
    expect(text('role.revoke', { role: 'staff', scope_type: 'org_unit', scope_id: 'zz' })).toBe('役割: 職員等 / 範囲: 組織')
  })

  it('translates the values it knows: employment, request states, asset states, reasons, booleans', () => {
    expect(text('user.create', { login_id: 'yamada', employment_type: 'fiscal_year', org_unit_id: 'u1' }, { 'org_unit:u1': '市民課' })).toBe(
      'ログインID: yamada / 任用形態: 会計年度任用職員 / 所属: 市民課',
    )
    expect(text('request.approve', { type: 'take_out', from: 'submitted', to: 'approved' })).toBe(
      `申請の種類: take_out / 変更前: ${JA.t('request_state.submitted')} / 変更後: ${JA.t('request_state.approved')}`,
    )
    expect(text('request.approve', { type: 'take_out' }, { 'request_type:take_out': '情報資産の持ち出し' })).toBe('申請の種類: 情報資産の持ち出し')
    expect(text('asset.state', { from: 'in_use', to: 'taken_out' })).toBe(
      `変更前の状態: ${JA.t('asset_state.in_use')} / 変更後の状態: ${JA.t('asset_state.taken_out')}`,
    )
    expect(text('auth.login', { reason: 'wrong_password', failed_attempts: 2 })).toBe('理由: パスワードの誤り / 連続失敗回数: 2')
    expect(text('auth.login', { mfa_pending: true, must_change_password: false })).toBe('確認コード待ち: はい / パスワード変更が必要: いいえ')
  })

  it('lists referenced assets by name, and a hidden one as hidden, never by its name', () => {
    const refs = { 'asset:a1': '住民記録バックアップ', 'asset:a2': null }
    expect(text('request.create', { asset_ids: ['a1', 'a2'] }, refs)).toBe('情報資産: 住民記録バックアップ、閲覧権限のない情報資産')
    expect(text('request.create', { asset_ids: ['a1', 'a2'] }, refs, EN)).toBe(
      `Assets: 住民記録バックアップ${EN.t('common.list_sep')}An asset you may not see`,
    )
  })

  it('shows each change of an update as before → after under the field label', () => {
    const detail = { changes: { name: { from: '旧名', to: '新名' }, owner_org_unit_id: { from: 'u1', to: 'u2' } }, version: 3 }
    expect(text('asset.update', detail, { 'org_unit:u1': '市民課', 'org_unit:u2': '税務課' })).toBe(
      '名称: 旧名 → 新名 / 所管課: 市民課 → 税務課 / 版: 3',
    )
  })

  it('leaves out empty values and internal ids, and keeps unknown fields as recorded', () => {
    expect(text('user.create', { login_id: 'x', expires_on: '', assignment_id: 'a', brand_new: 'v', handling: [] })).toBe('ログインID: x / brand_new: v')
    expect(detailParts({ action: 'x.y', detail: null, ...JA })).toEqual([])
    expect(text('x.y', 'plain text')).toBe('plain text')
  })

  it('formats recorded times with the given formatter', () => {
    const s = detailText({ action: 'auth.lockout', detail: { locked_until: '2026-12-01T10:00:00Z' }, ...JA, formatTime: () => '令和8年12月1日 19:00' })
    expect(s).toBe('ロック解除予定: 令和8年12月1日 19:00')
  })
})

describe('action phrases', () => {
  it('has a phrase in both languages for every action the server writes today', () => {
    const written = [
      'auth.login', 'auth.mfa', 'auth.logout', 'auth.lockout', 'auth.session_end', 'user.password_change',
      'mfa.totp_enroll_start', 'mfa.totp_enroll_confirm', 'org.create', 'user.create', 'user.suspend', 'user.resume',
      'user.reset_password', 'user.delete', 'role.assign', 'role.revoke', 'audit.export', 'audit.verify', 'system.init',
      'asset.create', 'asset.update', 'asset.state', 'asset.import', 'asset.export', 'request.create', 'request.submit',
      'request.approve', 'request.reject', 'request.withdraw', 'request.complete', 'request.report', 'request.expire',
      'system.create', 'system.update',
    ]
    for (const a of written) {
      expect(actionLabel(a, JA.t, JA.te), a).not.toBe(a)
      expect(actionLabel(a, EN.t, EN.te), a).not.toBe(a)
    }
    expect(actionLabel('user.create', JA.t, JA.te)).toBe('利用者の登録')
    expect(actionLabel('request.approve', JA.t, JA.te)).toBe('申請の承認')
  })

  it('falls back to the action as recorded when it has no phrase', () => {
    expect(actionLabel('log.witness', JA.t, JA.te)).toBe('log.witness')
  })
})
