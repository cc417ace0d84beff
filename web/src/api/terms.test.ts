import { describe, expect, it } from 'vitest'
import fixture from './fixtures/terms.json'
import { readTerms, requestStates, termLabel, termMessages } from './terms'

describe("the server's vocabularies", () => {
  it('read every list of GET /policy terms, with both labels', () => {
    const terms = readTerms(fixture.policy)
    expect(terms.asset_kinds.map((x) => x.id)).toContain('removable_medium')
    expect(terms.employment_types.find((x) => x.id === 'fiscal_year')).toEqual({ id: 'fiscal_year', label: '会計年度任用職員', label_en: 'Fiscal-year appointee' })
    expect(terms.org_kinds.map((x) => x.id)).toEqual(['city', 'bureau', 'department', 'section'])
    expect(terms.user_statuses.length).toBeGreaterThan(0)
    expect(terms.request_states).toEqual([])
  })

  it('take the request states from the request types, each once, in the order first named', () => {
    const states = requestStates(fixture.catalog as never).map((s) => s.id)
    expect(states.slice(0, 3)).toEqual(['draft', 'submitted', 'approved'])
    expect(states).toContain('reported')
    expect(new Set(states).size).toBe(states.length)
  })

  it('leave out what is malformed instead of throwing', () => {
    const terms = readTerms({ terms: { asset_kinds: [{ id: 'server', label: 'サーバ' }, { label: 'no id' }, 'x', null], asset_states: 'nope' } }, { request_types: [{ workflow: null }] } as never)
    expect(terms.asset_kinds).toEqual([{ id: 'server', label: 'サーバ', label_en: undefined }])
    expect(terms.asset_states).toEqual([])
    expect(readTerms(null).org_kinds).toEqual([])
  })

  it('become the message groups pages use, in each language, the Japanese label standing in for a missing English one', () => {
    const terms = readTerms(fixture.policy, fixture.catalog as never)
    terms.asset_states.push({ id: 'lost', label: '紛失' })
    const m = termMessages(terms) as { ja: Record<string, Record<string, unknown>>; en: Record<string, Record<string, unknown>> }
    expect(m.ja.asset_state.taken_out).toBe('持出中')
    expect(m.en.asset_state.taken_out).toBe('Taken out')
    expect(m.en.asset_state.lost).toBe('紛失')
    expect(m.ja.status.locked).toBe('ロック中')
    expect(m.en.employment.contractor).toBe('Contractor')
    expect((m.ja.org.kind as Record<string, string>).section).toBe('課')
    expect(m.en.request_state.submitted).toBe('Submitted')
  })

  it('keep a label that holds message syntax as written', () => {
    const m = termMessages({ ...readTerms(null), asset_kinds: [{ id: 'x', label: 'A | B {c} @d' }] }) as { ja: Record<string, Record<string, string>> }
    expect(m.ja.asset_kind.x).toBe("A {'|'} B {'{'}c{'}'} {'@'}d")
  })

  it('label an id in the current language, and an unknown id as itself', () => {
    const terms = readTerms(fixture.policy)
    expect(termLabel(terms.asset_states, 'disposed', 'en')).toBe('Disposed')
    expect(termLabel(terms.asset_states, 'disposed', 'ja')).toBe('廃棄済み')
    expect(termLabel(terms.asset_states, 'lost', 'ja')).toBe('lost')
  })
})
