// The information asset register (/assets).
import { api, buildQuery, type RawBody } from './client'
import { seg, type Query } from './query'
import type { Asset, AssetImportAnswer, AuditEntry, List } from './types'

export const assetsApi = {
  list: (query: Query) => api.get<List<Asset>>('/assets', { query }),
  get: (id: string) => api.get<Asset>(`/assets/${seg(id)}`),
  create: (body: Record<string, unknown>) => api.post<Asset>('/assets', body),
  /** PATCH with the version read (a stale one answers 409 conflict). */
  update: (id: string, version: number, body: Record<string, unknown>) => api.patch<Asset>(`/assets/${seg(id)}`, { ...body, version }),
  history: (id: string, query: Query = { per_page: 100 }) => api.get<List<AuditEntry>>(`/assets/${seg(id)}/history`, { query }),
  /** The list (same filters) as a spreadsheet, for a download link. */
  exportHref: (query: Query) => `/api/v1/assets/export${buildQuery(query)}`,
  /** The import template (the headings in the language shown). */
  templateHref: (lang: string) => `/api/v1/assets/import-template${buildQuery({ lang })}`,
  /** POST /assets/import: a CSV; `dry_run` checks it and registers nothing. */
  import: (bytes: RawBody, query: Query) => api.postRaw<AssetImportAnswer>('/assets/import', bytes, 'text/csv', { query }),
}
