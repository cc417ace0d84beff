// The registers of the pack (台帳) as GET /api/v1/registers describes them (docs/registers.md), and
// the calls of the generic register routes. The web kit (RegisterListView, RegisterDetailView,
// RegisterForm) is driven by these specs alone: no register's fields, states or actions are
// written in the UI.
//
// The catalogue is read defensively: a collection may be answered as an array of objects with
// `id` or as an object keyed by id (the pack's own shape); missing flags take the documented
// defaults (path: the id with '_' → '-'; create permission: manage; clearable: true).

import { api, buildQuery, type RawBody } from './client'
import type { AuditEntry, List, RequestType } from './types'
import { readAttachmentRules, type AttachmentRules } from './attachments'

export type RegisterFieldType =
  | 'text'
  | 'long_text'
  | 'int'
  | 'decimal'
  | 'date'
  | 'datetime'
  | 'bool'
  | 'choice'
  | 'org_unit'
  | 'user'
  | 'system'
  | 'asset'
  /** A sub-record's parent record (only as the register's parent.field). */
  | 'record'

export interface RegisterChoice {
  id: string
  label: string
  label_en?: string
  help?: string
  help_en?: string
}

export interface RegisterField {
  id: string
  label: string
  label_en?: string
  help?: string
  help_en?: string
  type: RegisterFieldType
  required: boolean
  clearable: boolean
  read_only: boolean
  filter: boolean
  search: boolean
  list: boolean
  sealed: boolean
  max_length?: number
  min?: number
  max?: number
  scale?: number
  choices: RegisterChoice[]
  heading?: string
  heading_en?: string
}

/** Who may take a transition: creator | manage | role (+scope) | user_field. */
export interface RegisterParty {
  kind: string
  role?: string
  scope?: string
  field?: string
}

export interface RegisterState {
  id: string
  label: string
  label_en?: string
  final: boolean
  deadline?: Record<string, unknown> | null
}

export interface RegisterTransition {
  id: string
  label: string
  label_en?: string
  from: string[]
  to: string
  sets: string[]
  requires: string[]
  note_required: boolean
  by: RegisterParty[]
  chain: RegisterParty[]
}

export interface RegisterWorkflow {
  initial: string
  states: RegisterState[]
  transitions: RegisterTransition[]
}

export interface RegisterSpec {
  id: string
  /** API path segment: /api/v1/<path>, and the web page /r/<path>. */
  path: string
  /** Its operation-log actions are <log_prefix>.<action> (a record's timeline names them). */
  log_prefix?: string
  title: string
  title_en?: string
  clause?: string
  permissions: { read: string; manage: string; create: string }
  scope: { owner_unit?: string; system?: string }
  fields: RegisterField[]
  workflow: RegisterWorkflow | null
  retention_years?: number
  /** A sub-record register: its parent register and the field naming the parent record. */
  parent?: { register: string; field: string } | null
  /** The sub-record registers whose parent this register is (panels on its record page). */
  children?: { register: string; field: string }[]
  /** offered from the shell's report button; a reporter (create, not read) lists their own records */
  reportable?: boolean
  /** attach: the files its records take (null: none), api/attachments.ts. */
  attachments?: AttachmentRules | null
}

export interface RegisterCatalog {
  registers: RegisterSpec[]
  request_types: RequestType[]
}

/** A transition this reader may take now, as every record answers it. */
export interface AvailableAction {
  action: string
  label: string
  label_en?: string
  sets: string[]
  requires: string[]
  note_required: boolean
}

export type RecordValue = string | number | boolean | null

/** A record: its own keys, and its fields flat beside them (with x_name, c_label beside refs). */
export interface RegisterRecord {
  id: string
  register?: string
  state?: string
  state_label?: string
  state_label_en?: string
  step?: number
  version: number
  created_by?: string
  created_at?: string
  updated_at?: string
  deadline_at?: string | null
  /** The deadline has passed and the state is not final. */
  overdue?: boolean
  /** Earlier records naming the same person (a register with repeat_count). */
  repeat_count?: number
  available_actions?: AvailableAction[]
  can_update?: boolean
  [field: string]: unknown
}

// ---- reading the catalogue ----

type Obj = Record<string, unknown>

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : d)
const optStr = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const bool = (v: unknown, d = false): boolean => (typeof v === 'boolean' ? v : d)
const optNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined)
const strList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

/** A collection written as an array of {id, …} or as an object keyed by id, as an array. */
function entries(v: unknown): Obj[] {
  if (Array.isArray(v)) return v.filter(isObj)
  if (isObj(v)) return Object.entries(v).map(([id, x]) => (isObj(x) ? { id, ...x } : { id }))
  return []
}

const FIELD_TYPES: readonly string[] = ['text', 'long_text', 'int', 'decimal', 'date', 'datetime', 'bool', 'choice', 'org_unit', 'user', 'system', 'asset', 'record']

function readField(o: Obj): RegisterField {
  const type = (FIELD_TYPES.includes(str(o.type)) ? str(o.type) : 'text') as RegisterFieldType
  return {
    id: str(o.id),
    label: str(o.label, str(o.id)),
    label_en: optStr(o.label_en),
    help: optStr(o.help),
    help_en: optStr(o.help_en),
    type,
    required: bool(o.required),
    clearable: bool(o.clearable, true),
    read_only: bool(o.read_only),
    filter: bool(o.filter),
    search: bool(o.search),
    list: bool(o.list),
    sealed: bool(o.sealed),
    max_length: optNum(o.max_length),
    min: optNum(o.min),
    max: optNum(o.max),
    scale: optNum(o.scale),
    choices: entries(o.choices).map((c) => ({
      id: str(c.id),
      label: str(c.label, str(c.id)),
      label_en: optStr(c.label_en),
      help: optStr(c.help),
      help_en: optStr(c.help_en),
    })),
    heading: optStr(o.heading),
    heading_en: optStr(o.heading_en),
  }
}

function readParties(v: unknown): RegisterParty[] {
  if (!Array.isArray(v)) return []
  return v.map((p) => {
    if (typeof p === 'string') return { kind: p }
    if (!isObj(p)) return { kind: '' }
    if (typeof p.kind === 'string') return { kind: p.kind, role: optStr(p.role), scope: optStr(p.scope), field: optStr(p.field) }
    if (typeof p.role === 'string') return { kind: 'role', role: p.role, scope: optStr(p.scope) ?? 'owner_unit' }
    if (typeof p.user_field === 'string') return { kind: 'user_field', field: p.user_field }
    return { kind: '' }
  })
}

function readWorkflow(v: unknown): RegisterWorkflow | null {
  if (!isObj(v)) return null
  return {
    initial: str(v.initial),
    states: entries(v.states).map((s) => ({
      id: str(s.id),
      label: str(s.label, str(s.id)),
      label_en: optStr(s.label_en),
      final: bool(s.final),
      deadline: isObj(s.deadline) ? s.deadline : null,
    })),
    transitions: entries(v.transitions).map((t) => ({
      id: str(t.id),
      label: str(t.label, str(t.id)),
      label_en: optStr(t.label_en),
      from: strList(t.from),
      to: str(t.to),
      sets: strList(t.sets),
      requires: strList(t.requires ?? t.requires_fields),
      note_required: bool(t.note_required),
      by: readParties(t.by),
      chain: readParties(t.chain),
    })),
  }
}

export function readRegister(o: Obj): RegisterSpec {
  const id = str(o.id)
  const perms = isObj(o.permissions) ? o.permissions : {}
  const read = str(perms.read, str(o.read_permission))
  const manage = str(perms.manage, str(o.manage_permission))
  const create = str(perms.create, str(o.create_permission)) || manage
  const scope = isObj(o.scope) ? o.scope : {}
  return {
    id,
    path: str(o.path) || id.replace(/_/g, '-'),
    log_prefix: str(o.log_prefix, id),
    title: str(o.title, id),
    title_en: optStr(o.title_en),
    clause: optStr(o.clause),
    permissions: { read, manage, create },
    scope: { owner_unit: optStr(scope.owner_unit ?? o.owner_unit_field), system: optStr(scope.system ?? o.system_field) },
    fields: entries(o.fields).map(readField).filter((f) => f.id !== ''),
    workflow: readWorkflow(o.workflow),
    retention_years: optNum(o.retention_years),
    parent: isObj(o.parent) && str(o.parent.register) && str(o.parent.field) ? { register: str(o.parent.register), field: str(o.parent.field) } : null,
    children: entries(o.children)
      .map((c) => ({ register: str(c.register), field: str(c.field) }))
      .filter((c) => c.register !== '' && c.field !== ''),
    reportable: bool(o.reportable),
    attachments: readAttachmentRules(o.attachments),
  }
}

const SAFE_PATH = /^[a-z0-9][a-z0-9_-]{0,62}$/

/**
 * GET /registers's answer as the kit uses it (anything unexpected is left out, never thrown). The
 * server answers a list, `{items, total}`, each item a register (`kind: "register"`) or a request
 * type (`kind: "request_type"`); `{registers, request_types}` is read too.
 */
export function readCatalog(raw: unknown): RegisterCatalog {
  const o = isObj(raw) ? raw : { items: raw }
  const items = entries(o.items)
  const registers = [...entries(o.registers), ...items.filter((x) => (x.kind ?? 'register') === 'register')]
  const requestTypes = [...entries(o.request_types), ...items.filter((x) => x.kind === 'request_type')]
  return {
    // A register's path goes into API and page addresses: one segment of the characters the pack
    // allows, or the register is left out.
    registers: registers.map(readRegister).filter((r) => r.id !== '' && SAFE_PATH.test(r.path)),
    request_types: requestTypes as unknown as RequestType[],
  }
}

// ---- the calls ----

export type ListQuery = Record<string, string | number | boolean | null | undefined>

export interface TransitionBody {
  note?: string
  fields?: Record<string, RecordValue>
}

export interface RegisterImportAnswer {
  dry_run?: boolean
  rows: number
  imported?: number
  ids?: string[]
}

const recordPath = (spec: RegisterSpec, id: string) => `/${spec.path}/${encodeURIComponent(id)}`

export const registersApi = {
  /** GET /registers: every register and request type of the pack. */
  catalog: async (): Promise<RegisterCatalog> => readCatalog(await api.get<unknown>('/registers')),
  list: (spec: RegisterSpec, query: ListQuery) => api.get<List<RegisterRecord>>(`/${spec.path}`, { query }),
  get: (spec: RegisterSpec, id: string) => api.get<RegisterRecord>(recordPath(spec, id)),
  create: (spec: RegisterSpec, body: Record<string, RecordValue>) => api.post<RegisterRecord>(`/${spec.path}`, body),
  /** PATCH with the version read (a stale one answers 409 conflict). */
  update: (spec: RegisterSpec, id: string, version: number, changes: Record<string, RecordValue>) =>
    api.patch<RegisterRecord>(recordPath(spec, id), { ...changes, version }),
  /** The record's operation-log entries, oldest first (in the log's order, whatever order they come in). */
  history: async (spec: RegisterSpec, id: string): Promise<AuditEntry[]> => {
    const r = await api.get<List<AuditEntry> | AuditEntry[]>(`${recordPath(spec, id)}/history`)
    const items = Array.isArray(r) ? r : (r?.items ?? [])
    return [...items].sort((a, b) => a.seq - b.seq)
  },
  transition: (spec: RegisterSpec, id: string, action: string, body: TransitionBody) =>
    api.post<RegisterRecord>(`${recordPath(spec, id)}/transitions/${encodeURIComponent(action)}`, body),
  /** The address of the list's export (same filters), for a download link. */
  exportHref: (spec: RegisterSpec, format: 'xlsx' | 'csv', query: ListQuery) =>
    `/api/v1/${spec.path}/export${buildQuery({ ...query, format, page: undefined, per_page: undefined })}`,
  /** The address of one record's Excel report (its items, then its history). */
  reportHref: (spec: RegisterSpec, id: string) => `/api/v1/${spec.path}/${encodeURIComponent(id)}/export?format=xlsx`,
  /** POST /R/import: a CSV of new records, all or nothing. */
  import: (spec: RegisterSpec, bytes: RawBody, query: ListQuery = {}) =>
    api.postRaw<RegisterImportAnswer>(`/${spec.path}/import`, bytes, 'text/csv', { query }),
}

// ---- what the kit derives from a spec ----

const isEn = (locale: string) => locale.startsWith('en')

/** A pack text in the current language (the Japanese one when there is no English). */
export function local(ja: string, en: string | undefined, locale: string): string {
  return isEn(locale) && en ? en : ja
}

export function registerTitle(spec: RegisterSpec, locale: string): string {
  return local(spec.title, spec.title_en, locale)
}

export function registerFieldLabel(f: RegisterField, locale: string): string {
  return local(f.label, f.label_en, locale)
}

export function registerFieldHelp(f: RegisterField, locale: string): string {
  return f.help ? local(f.help, f.help_en, locale) : ''
}

/**
 * The registers a person holding `permissions` may read (one menu entry each). A sub-record
 * register has no menu entry: its records are listed on their parent's page.
 */
export function readableRegisters(catalog: RegisterCatalog | null, permissions: readonly string[]): RegisterSpec[] {
  return (catalog?.registers ?? []).filter((r) => !r.parent && r.permissions.read !== '' && permissions.includes(r.permissions.read))
}

/** The sub-record registers of `spec` (each a panel on its record page), as the catalogue has them. */
export function childRegisters(catalog: RegisterCatalog | null, spec: RegisterSpec): RegisterSpec[] {
  return (spec.children ?? [])
    .map((c) => catalog?.registers.find((r) => r.id === c.register && r.parent?.register === spec.id) ?? null)
    .filter((r): r is RegisterSpec => r !== null)
}

/** Reportable registers the person may create records in: the shell's report buttons. */
export function reportableRegisters(catalog: RegisterCatalog | null, permissions: readonly string[]): RegisterSpec[] {
  return (catalog?.registers ?? []).filter((r) => r.reportable && r.permissions.create !== '' && permissions.includes(r.permissions.create))
}

/** Reportable registers the person may report in but not read: their own reports' list ("my reports"). */
export function ownReportRegisters(catalog: RegisterCatalog | null, permissions: readonly string[]): RegisterSpec[] {
  return reportableRegisters(catalog, permissions).filter((r) => !permissions.includes(r.permissions.read))
}

/** Whether the person may open the register's list: a reader, or a reporter (their own records). */
export function canListRegister(spec: RegisterSpec, permissions: readonly string[]): boolean {
  return (spec.permissions.read !== '' && permissions.includes(spec.permissions.read)) ||
    (!!spec.reportable && spec.permissions.create !== '' && permissions.includes(spec.permissions.create))
}

export function findRegister(catalog: RegisterCatalog | null, path: string): RegisterSpec | null {
  return catalog?.registers.find((r) => r.path === path) ?? null
}

/** The list's columns: the `list` fields (the first is the record's title); else the first field. */
export function listColumns(spec: RegisterSpec): RegisterField[] {
  const cols = spec.fields.filter((f) => f.list && !f.sealed)
  if (cols.length > 0) return cols
  const first = spec.fields.find((f) => !f.sealed)
  return first ? [first] : []
}

/** The list's filters: each `filter` field (exact match). */
export function filterFields(spec: RegisterSpec): RegisterField[] {
  return spec.fields.filter((f) => f.filter && !f.sealed)
}

/** Whether the list offers `q` (some field is searched). */
export function hasSearch(spec: RegisterSpec): boolean {
  return spec.fields.some((f) => f.search && !f.sealed)
}

/** The URL/API query keys of the list: q, state, then each filter field. */
export function listKeys(spec: RegisterSpec): string[] {
  return [...(hasSearch(spec) ? ['q'] : []), ...(spec.workflow ? ['state'] : []), ...filterFields(spec).map((f) => f.id)]
}

/** The fields a create or edit form offers: never the read-only ones (a transition sets those). */
export function editableFields(spec: RegisterSpec): RegisterField[] {
  // A sub-record's parent is fixed by the page it is added from, never typed in.
  return spec.fields.filter((f) => !f.read_only && f.type !== 'record')
}

/** The key the API answers a reference field's name under: x_id → x_name, x → x_name. */
export function nameKey(fieldId: string): string {
  return fieldId.endsWith('_id') ? `${fieldId.slice(0, -3)}_name` : `${fieldId}_name`
}

const REF_TYPES: readonly RegisterFieldType[] = ['org_unit', 'user', 'system', 'asset']

export function isReference(f: RegisterField): boolean {
  return REF_TYPES.includes(f.type)
}

export function stateLabel(spec: RegisterSpec, rec: { state?: string; state_label?: string; state_label_en?: string }, locale: string): string {
  if (rec.state_label) return local(rec.state_label, rec.state_label_en, locale)
  const s = spec.workflow?.states.find((x) => x.id === rec.state)
  return s ? local(s.label, s.label_en, locale) : (rec.state ?? '')
}

export function choiceLabel(f: RegisterField, id: string, locale: string): string {
  const c = f.choices.find((x) => x.id === id)
  return c ? local(c.label, c.label_en, locale) : id
}

/**
 * A field's value as text: a reference by the name answered beside it, a choice by its label,
 * yes/no for bool; '' when there is none (the page shows its "none" mark).
 */
export function displayValue(f: RegisterField, rec: RegisterRecord, locale: string, yesNo: [string, string]): string {
  const v = rec[f.id]
  if (v === null || v === undefined || v === '') return ''
  if (f.type === 'bool') return v === true ? yesNo[0] : yesNo[1]
  if (f.type === 'choice') {
    const ja = rec[`${f.id}_label`]
    if (typeof ja === 'string' && ja) return local(ja, rec[`${f.id}_label_en`] as string | undefined, locale)
    return choiceLabel(f, String(v), locale)
  }
  if (isReference(f)) {
    const name = rec[nameKey(f.id)]
    return typeof name === 'string' && name ? name : String(v)
  }
  return String(v)
}

/** Whether an action ends the record's life (its transition goes to a final state): shown as such. */
export function endsRecord(spec: RegisterSpec, action: string): boolean {
  const wf = spec.workflow
  const to = wf?.transitions.find((x) => x.id === action)?.to
  return !!to && !!wf?.states.find((s) => s.id === to)?.final
}

/**
 * The day a record's deadline is shown as, when the state's deadline is a day (a date field's or a
 * day of the 年度): the JST date of its last instant. The server answers the instant it passes
 * (the next day's 00:00 JST) or the day's last second; either way the day is the due day.
 * null when the state's deadline is a time (`after`) or there is none.
 */
export function deadlineDay(spec: RegisterSpec, rec: RegisterRecord): string | null {
  const at = rec.deadline_at
  if (!at) return null
  const dl = spec.workflow?.states.find((s) => s.id === rec.state)?.deadline
  if (!dl || (typeof dl.field !== 'string' && typeof dl.fiscal !== 'string')) return null
  const ms = new Date(at).getTime()
  if (Number.isNaN(ms)) return null
  return new Date(ms - 1 + 9 * 3600 * 1000).toISOString().slice(0, 10)
}

/** What an input holds while edited: text, or a boolean for a checkbox. */
export type RegisterFormValues = Record<string, string | boolean>

export function formValues(fields: RegisterField[], rec: RegisterRecord | null): RegisterFormValues {
  const out: RegisterFormValues = {}
  for (const f of fields) {
    const v = rec?.[f.id]
    if (f.type === 'bool') out[f.id] = v === true
    else if (f.type === 'datetime' && typeof v === 'string') out[f.id] = toLocalInput(v)
    else out[f.id] = v === null || v === undefined ? '' : String(v)
  }
  return out
}

/** RFC 3339 → the value of a datetime-local input, in JST (the city's clock). */
export function toLocalInput(rfc3339: string): string {
  const d = new Date(rfc3339)
  if (Number.isNaN(d.getTime())) return rfc3339
  const jst = new Date(d.getTime() + 9 * 3600 * 1000)
  return jst.toISOString().slice(0, 16)
}

/** A datetime-local input's value (JST) → RFC 3339 with the +09:00 offset. */
export function fromLocalInput(v: string): string {
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(v) ? `${v}:00+09:00` : v
}

function wireValue(f: RegisterField, v: string | boolean): RecordValue | undefined {
  if (f.type === 'bool') return v === true
  const s = typeof v === 'string' ? (f.type === 'long_text' ? v.replace(/\s+$/, '') : v.trim()) : ''
  if (s === '') return undefined
  if (f.type === 'int') return /^-?\d+$/.test(s) ? Number(s) : s
  if (f.type === 'datetime') return fromLocalInput(s)
  return s
}

/**
 * The JSON a create takes: every input with a value, typed (int as a number, decimal as the
 * string typed). Empty inputs are left out, so the server names a missing required one.
 */
export function createBody(fields: RegisterField[], values: RegisterFormValues): Record<string, RecordValue> {
  const out: Record<string, RecordValue> = {}
  for (const f of fields) {
    const w = wireValue(f, values[f.id])
    if (w !== undefined) out[f.id] = w
  }
  return out
}

/**
 * The JSON a PATCH takes: only what changed from the record; an input emptied clears the field
 * with null (the server refuses it for a required or non-clearable field and names it).
 */
export function patchBody(fields: RegisterField[], values: RegisterFormValues, rec: RegisterRecord): Record<string, RecordValue> {
  const before = formValues(fields, rec)
  const out: Record<string, RecordValue> = {}
  for (const f of fields) {
    if (values[f.id] === before[f.id]) continue
    const w = wireValue(f, values[f.id])
    out[f.id] = w === undefined ? null : w
  }
  return out
}
