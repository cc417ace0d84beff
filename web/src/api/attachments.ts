// attach: files attached to register records (docs/registers.md, "Attachments"). The upload is
// the file itself as the request body with its name in `?name=`; the download is a plain link
// (GET with the session cookie), always served as an attachment.

import { api } from './client'
import type { List } from './types'
import type { RegisterSpec } from './registers'

/** What a register takes: from GET /registers (`attachments`, null when it takes none). */
export interface AttachmentRules {
  max_bytes: number
  max_files: number
  /** Allowed file-name extensions, lower-case, no dot. */
  types: string[]
}

export interface Attachment {
  id: string
  register: string
  record_id: string
  file_name: string
  media_type: string
  size: number
  sha256: string
  created_by: string
  created_by_name: string | null
  created_at: string
  withdrawn: boolean
  withdrawn_at: string | null
  withdrawn_by: string | null
  withdrawn_by_name: string | null
  withdrawn_note: string | null
}

export function readAttachmentRules(v: unknown): AttachmentRules | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null
  const o = v as Record<string, unknown>
  const types = Array.isArray(o.types) ? o.types.filter((x): x is string => typeof x === 'string') : []
  if (types.length === 0) return null
  return {
    max_bytes: typeof o.max_bytes === 'number' ? o.max_bytes : 0,
    max_files: typeof o.max_files === 'number' ? o.max_files : 0,
    types,
  }
}

/** The `accept` attribute of a file input for these rules: ".pdf,.png". */
export function acceptOf(rules: AttachmentRules): string {
  return rules.types.map((t) => `.${t}`).join(',')
}

/** The extension of a file name, lower-case ("" when none). */
export function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.')
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : ''
}

/** A size for people: 1.2 MB, 340 KB, 12 B. */
export function sizeText(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MB`
  if (bytes >= 1024) return `${Math.round(bytes / 1024)} KB`
  return `${bytes} B`
}

const base = (spec: RegisterSpec, id: string) => `/${spec.path}/${encodeURIComponent(id)}/attachments`

export const attachmentsApi = {
  list: (spec: RegisterSpec, id: string) => api.get<List<Attachment>>(base(spec, id)),
  upload: (spec: RegisterSpec, id: string, file: File) =>
    api.postRaw<Attachment>(base(spec, id), file, file.type || 'application/octet-stream', { query: { name: file.name } }),
  withdraw: (spec: RegisterSpec, id: string, attachmentId: string, note: string) =>
    api.post<Attachment>(`${base(spec, id)}/${encodeURIComponent(attachmentId)}/withdraw`, { note }),
  /** The download's address, for a link. */
  href: (spec: RegisterSpec, id: string, attachmentId: string) => `/api/v1${base(spec, id)}/${encodeURIComponent(attachmentId)}`,
}
