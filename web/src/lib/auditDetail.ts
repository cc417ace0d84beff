// An operation-log entry in words: the action as a phrase, and its detail as "label: value"
// parts with the field labels, value names (roles, states, kinds, …) and object names of the
// message files — "役割: 情報管理者 / 範囲: 組織：市民課" rather than raw JSON. Labels live in the
// locales: `audit.actions.<action with dots as _>` for an action (one line per language adds
// one), `audit.detail.<field>` for a field, `audit.detail_by_action.<action>.<field>` where one
// action means something else by a field. Anything without a label is shown as recorded.

type T = (key: string, params?: Record<string, unknown>) => string
type TE = (key: string) => boolean

export interface DetailContext {
  action: string
  detail: unknown
  /** Names of the objects the detail refers to, "asset:<id>" → name, null when hidden. */
  refs?: Record<string, string | null> | null
  t: T
  te: TE
  /** Formats an RFC 3339 time for people (和暦 in Japanese); the time as recorded when absent. */
  formatTime?: (iso: string) => string
}

export interface DetailPart {
  key: string
  label: string
  value: string
}

/** The locale key of an action: dots become underscores ("user.create" → "user_create"). */
export function actionKey(action: string): string {
  return action.replace(/\./g, '_')
}

/** The action as a phrase ("利用者の登録"), or the action as recorded when it has none. */
export function actionLabel(action: string, t: T, te: TE): string {
  const k = `audit.actions.${actionKey(action)}`
  return te(k) ? t(k) : action
}

// Fields whose values name something in a message namespace.
function valueNamespace(action: string, key: string): string | null {
  switch (key) {
    case 'role':
      return 'roles'
    case 'employment_type':
      return 'employment'
    case 'scope_type':
      return 'scope'
    case 'network_zone':
      return 'network_zone'
    case 'hosting':
      return 'hosting'
    case 'reason':
      return 'audit.reasons'
    case 'was':
      return 'status'
    case 'kind':
      return action.startsWith('org.') ? 'org.kind' : 'asset_kind'
    case 'state':
    case 'from':
    case 'to':
      if (action.startsWith('request.')) return 'request_state'
      if (action.startsWith('asset.')) return 'asset_state'
      return null
    default:
      return null
  }
}

// Fields never shown: internal ids that mean nothing to a reader.
const SKIPPED = new Set(['assignment_id'])
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/

export function fieldLabel(action: string, key: string, t: T, te: TE): string {
  const own = `audit.detail_by_action.${actionKey(action)}.${key}`
  if (te(own)) return t(own)
  return te(`audit.detail.${key}`) ? t(`audit.detail.${key}`) : key
}

/** The name of a referenced object by its id, or null when the detail does not refer to one. */
function refName(ctx: DetailContext, id: string): string | null {
  if (!ctx.refs) return null
  for (const [k, v] of Object.entries(ctx.refs)) {
    const colon = k.indexOf(':')
    if (k.slice(colon + 1) !== id) continue
    if (v !== null) return v
    const type = k.slice(0, colon)
    return ctx.te(`audit.hidden.${type}`) ? ctx.t(`audit.hidden.${type}`) : ctx.t('audit.hidden.other')
  }
  return null
}

function valueText(ctx: DetailContext, key: string, v: unknown): string {
  const { t, te } = ctx
  if (v === null || v === undefined || v === '') return t('common.none')
  if (typeof v === 'boolean') return v ? t('common.yes') : t('common.no')
  if (typeof v === 'number') return String(v)
  if (Array.isArray(v)) return v.length ? v.map((x) => valueText(ctx, key, x)).join(t('common.list_sep')) : t('common.none')
  if (typeof v === 'string') {
    const ns = valueNamespace(ctx.action, key)
    if (ns && te(`${ns}.${v}`)) return t(`${ns}.${v}`)
    const named = refName(ctx, v)
    if (named !== null) return named
    if (TIME.test(v) && ctx.formatTime) return ctx.formatTime(v)
    return v
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>
    // A change: before → after.
    if ('from' in o && 'to' in o && Object.keys(o).length === 2)
      return `${valueText(ctx, key, o.from)} → ${valueText(ctx, key, o.to)}`
    // Anything else nested: its own parts, in brackets.
    return t('audit.detail_nested', {
      parts: parts(ctx, o)
        .map((p) => `${p.label}: ${p.value}`)
        .join(' / '),
    })
  }
  return String(v)
}

function scopeValue(ctx: DetailContext, o: Record<string, unknown>): string {
  const type = typeof o.scope_type === 'string' ? o.scope_type : ''
  const kind = ctx.te(`scope.${type}`) ? ctx.t(`scope.${type}`) : type
  const id = typeof o.scope_id === 'string' ? o.scope_id : ''
  const name = id ? refName(ctx, id) : null
  // An opaque id means nothing to a person: without a name, the kind alone.
  return type === 'city' || !name ? kind : ctx.t('scope.named', { kind, name })
}

function parts(ctx: DetailContext, o: Record<string, unknown>): DetailPart[] {
  const out: DetailPart[] = []
  const hasScope = 'scope_type' in o
  for (const [key, v] of Object.entries(o)) {
    if (SKIPPED.has(key) || v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) continue
    if (hasScope && key === 'scope_id') continue
    if (hasScope && key === 'scope_type') {
      out.push({ key: 'scope', label: fieldLabel(ctx.action, 'scope', ctx.t, ctx.te), value: scopeValue(ctx, o) })
      continue
    }
    // The changes of an update: one part per changed field.
    if (key === 'changes' && typeof v === 'object' && !Array.isArray(v)) {
      for (const [field, change] of Object.entries(v as Record<string, unknown>))
        out.push({ key: field, label: fieldLabel(ctx.action, field, ctx.t, ctx.te), value: valueText(ctx, field, change) })
      continue
    }
    out.push({ key, label: fieldLabel(ctx.action, key, ctx.t, ctx.te), value: valueText(ctx, key, v) })
  }
  return out
}

/** The detail as labelled parts; a detail that is not an object is one unlabelled part. */
export function detailParts(ctx: DetailContext): DetailPart[] {
  const d = ctx.detail
  if (d === null || d === undefined || d === '') return []
  if (typeof d !== 'object' || Array.isArray(d)) return [{ key: '', label: '', value: typeof d === 'string' ? d : JSON.stringify(d) }]
  return parts(ctx, d as Record<string, unknown>)
}

/** "役割: 情報管理者 / 範囲: 組織：市民課". */
export function detailText(ctx: DetailContext): string {
  return detailParts(ctx)
    .map((p) => (p.label ? `${p.label}: ${p.value}` : p.value))
    .join(' / ')
}
