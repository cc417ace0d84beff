// The kit reads GET /api/v1/registers (docs/registers.md) and derives its pages from it: the
// fixture is a catalogue in the server's shape, {items, total} with each item's kind (the sample
// town's 貸出簿, a register written as the pack writes it with fields keyed by id, a request type).
import { describe, expect, it } from 'vitest'
import fixture from './fixtures/registers.json'
import {
  createBody,
  deadlineDay,
  endsRecord,
  displayValue,
  editableFields,
  filterFields,
  findRegister,
  formValues,
  listColumns,
  listKeys,
  nameKey,
  patchBody,
  canListRegister,
  ownReportRegisters,
  readableRegisters,
  readCatalog,
  reportableRegisters,
  registerTitle,
  registersApi,
  stateLabel,
  type RegisterRecord,
} from './registers'

const catalog = readCatalog(fixture)
const lending = findRegister(catalog, 'lending')!
const keys = catalog.registers.find((r) => r.id === 'key_log')!

const record: RegisterRecord = {
  id: 'r1',
  register: 'lending',
  state: 'lent',
  state_label: '貸出中',
  state_label_en: 'Lent',
  version: 2,
  device: 'PC-001',
  kind: 'laptop',
  kind_label: 'ノートPC',
  kind_label_en: 'Laptop',
  owner_org_unit_id: 'u1',
  owner_org_unit_name: '情報政策課',
  borrower: 'p1',
  borrower_name: '山田 太郎',
  due_on: '2026-12-10',
  serial_no: 'SN-1',
  price: '120000',
  units: 2,
  available_actions: [{ action: 'return', label: '返却', label_en: 'Return', sets: [], requires: [], note_required: false }],
  can_update: true,
}

describe('the register catalogue', () => {
  it('reads every register and request type of the answer', () => {
    expect(catalog.registers.map((r) => r.id)).toEqual(['lending', 'key_log'])
    expect(catalog.request_types.map((r) => r.id)).toEqual(['usb_use'])
  })

  it('reads fields, choices, states and transitions with their flags', () => {
    expect(lending.fields.map((f) => f.id)).toEqual(['device', 'owner_org_unit_id', 'borrower', 'due_on', 'serial_no', 'price', 'units', 'secret_note', 'kind'])
    const kind = lending.fields.find((f) => f.id === 'kind')!
    expect(kind.type).toBe('choice')
    expect(kind.choices[0]).toEqual({ id: 'laptop', label: 'ノートPC', label_en: 'Laptop', help: '持出用の端末', help_en: undefined })
    expect(lending.fields.find((f) => f.id === 'serial_no')!.clearable).toBe(false)
    expect(lending.fields.find((f) => f.id === 'device')!.clearable).toBe(true)
    expect(lending.workflow!.initial).toBe('available')
    expect(lending.workflow!.states.find((s) => s.id === 'retired')!.final).toBe(true)
    const lend = lending.workflow!.transitions.find((t) => t.id === 'lend')!
    expect(lend.requires).toEqual(['borrower', 'due_on'])
    expect(lending.workflow!.transitions.find((t) => t.id === 'retire')!.note_required).toBe(true)
    expect(lending.workflow!.transitions.find((t) => t.id === 'return')!.by).toEqual([{ kind: 'manage' }, { kind: 'user_field', field: 'borrower' }])
  })

  it('gives the documented defaults: path from the id, create permission = manage, no workflow', () => {
    expect(keys.path).toBe('key-log')
    expect(keys.permissions).toEqual({ read: 'keys.read', manage: 'keys.manage', create: 'keys.manage' })
    expect(keys.workflow).toBeNull()
    expect(keys.fields.map((f) => [f.id, f.type])).toEqual([
      ['room', 'text'],
      ['count', 'int'],
    ])
  })

  it('reads the catalogue keyed by kind as well as split into registers and request types', () => {
    const split = readCatalog({ registers: [{ id: 'a', title: 'A' }], request_types: [{ id: 't', title: 'T' }] })
    expect(split.registers.map((r) => r.id)).toEqual(['a'])
    expect(split.request_types.map((r) => r.id)).toEqual(['t'])
    const listed = readCatalog({ items: [{ id: 't', kind: 'request_type', path: 'requests' }, { id: 'b', kind: 'register' }], total: 2 })
    expect(listed.registers.map((r) => r.id)).toEqual(['b'])
    expect(listed.request_types.map((r) => r.id)).toEqual(['t'])
  })

  it('ignores what it cannot read instead of throwing', () => {
    expect(readCatalog(null).registers).toEqual([])
    expect(readCatalog({ registers: [{ title: 'no id' }, 7] }).registers).toEqual([])
  })

  it('leaves out a register whose path is not one plain segment', () => {
    const c = readCatalog({ registers: [{ id: 'a', path: '../users' }, { id: 'b', path: 'x/y' }, { id: 'c', path: 'ok-path' }] })
    expect(c.registers.map((r) => r.id)).toEqual(['c'])
  })

  it('offers a menu entry only for the registers the reader may read', () => {
    expect(readableRegisters(catalog, ['lending.read']).map((r) => r.id)).toEqual(['lending'])
    expect(readableRegisters(catalog, ['lending.manage', 'assets.read'])).toEqual([])
    expect(readableRegisters(null, ['lending.read'])).toEqual([])
  })

  it('offers the report button for reportable registers the person may create in, and their own list to a reporter who is no reader', () => {
    const c = readCatalog({
      items: [
        { id: 'incidents', kind: 'register', reportable: true, permissions: { read: 'incidents.read', manage: 'incidents.manage', create: 'incidents.report' } },
        { id: 'violations', kind: 'register', permissions: { read: 'violations.read', manage: 'violations.manage' } },
      ],
    })
    const staff = ['incidents.report', 'violations.manage']
    expect(reportableRegisters(c, staff).map((r) => r.id)).toEqual(['incidents'])
    expect(ownReportRegisters(c, staff).map((r) => r.id)).toEqual(['incidents'])
    expect(ownReportRegisters(c, [...staff, 'incidents.read'])).toEqual([])
    expect(reportableRegisters(c, ['violations.read'])).toEqual([])
    expect(canListRegister(findRegister(c, 'incidents')!, staff)).toBe(true)
    expect(canListRegister(findRegister(c, 'violations')!, ['violations.manage'])).toBe(false)
    expect(canListRegister(findRegister(c, 'violations')!, ['violations.read'])).toBe(true)
    expect(findRegister(catalog, 'lending')!.reportable).toBe(false)
  })

  it('names a register in the language shown', () => {
    expect(registerTitle(lending, 'ja')).toBe('貸出簿')
    expect(registerTitle(lending, 'en')).toBe('Lending book')
    expect(registerTitle(keys, 'en')).toBe('鍵管理簿')
  })
})

describe('the pages derived from a spec', () => {
  it('shows the list fields as columns, never a sealed one', () => {
    expect(listColumns(lending).map((f) => f.id)).toEqual(['device', 'owner_org_unit_id'])
    expect(listColumns(keys).map((f) => f.id)).toEqual(['room'])
  })

  it('filters by q, state and each filter field', () => {
    expect(filterFields(lending).map((f) => f.id)).toEqual(['owner_org_unit_id', 'kind'])
    expect(listKeys(lending)).toEqual(['q', 'state', 'owner_org_unit_id', 'kind'])
    expect(listKeys(keys)).toEqual([])
  })

  it('leaves read-only fields out of the create and edit form', () => {
    expect(editableFields(lending).map((f) => f.id)).not.toContain('borrower')
    expect(editableFields(lending).map((f) => f.id)).not.toContain('due_on')
  })

  it('shows references by name, choices by label and the state by its label', () => {
    const f = (id: string) => lending.fields.find((x) => x.id === id)!
    expect(displayValue(f('owner_org_unit_id'), record, 'ja', ['はい', 'いいえ'])).toBe('情報政策課')
    expect(displayValue(f('borrower'), record, 'ja', ['はい', 'いいえ'])).toBe('山田 太郎')
    expect(displayValue(f('kind'), record, 'en', ['yes', 'no'])).toBe('Laptop')
    expect(displayValue(f('price'), { ...record, price: null }, 'ja', ['はい', 'いいえ'])).toBe('')
    expect(stateLabel(lending, record, 'en')).toBe('Lent')
    expect(stateLabel(lending, { state: 'retired' }, 'ja')).toBe('廃止')
    expect(nameKey('owner_org_unit_id')).toBe('owner_org_unit_name')
    expect(nameKey('borrower')).toBe('borrower_name')
  })

  it('sends a create with typed values and leaves empty inputs out for the server to name', () => {
    const fields = editableFields(lending)
    const values = { ...formValues(fields, null), device: ' PC-9 ', units: '3', price: '99', owner_org_unit_id: '' }
    expect(createBody(fields, values)).toEqual({ device: 'PC-9', units: 3, price: '99' })
    expect(createBody(fields, { ...values, units: 'x' }).units).toBe('x')
  })

  it('sends a PATCH with only what changed, and null for an emptied input', () => {
    const fields = editableFields(lending)
    const values = { ...formValues(fields, record), device: 'PC-002', price: '' }
    expect(patchBody(fields, values, record)).toEqual({ device: 'PC-002', price: null })
    expect(patchBody(fields, formValues(fields, record), record)).toEqual({})
  })

  it('builds the export address with the list filters and without the page', () => {
    expect(registersApi.exportHref(lending, 'csv', { state: 'lent', q: '', page: 3, per_page: 50 })).toBe('/api/v1/lending/export?state=lent&format=csv')
  })

  it('shows a due-date deadline as the due day, whether answered as the next midnight or the last second', () => {
    expect(deadlineDay(lending, { ...record, deadline_at: '2026-12-10T00:00:00+09:00' })).toBe('2026-12-09')
    expect(deadlineDay(lending, { ...record, deadline_at: '2026-12-09T15:00:00Z' })).toBe('2026-12-09')
    expect(deadlineDay(lending, { ...record, deadline_at: '2026-12-09T23:59:59+09:00' })).toBe('2026-12-09')
    expect(deadlineDay(lending, { ...record, state: 'available', deadline_at: '2026-12-10T00:00:00+09:00' })).toBeNull()
    expect(deadlineDay(lending, { ...record, deadline_at: null })).toBeNull()
  })

  it('knows the actions that end a record (to a final state)', () => {
    expect(endsRecord(lending, 'retire')).toBe(true)
    expect(endsRecord(lending, 'lend')).toBe(false)
    expect(endsRecord(lending, 'no_such')).toBe(false)
    expect(endsRecord(keys, 'retire')).toBe(false)
  })
})
