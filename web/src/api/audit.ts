// The operation log (/audit-log) and the check of its hash chain.
import { api, buildQuery } from './client'
import type { Query } from './query'
import type { AuditEntry, List, VerifyAnswer } from './types'

export const auditApi = {
  list: (query: Query) => api.get<List<AuditEntry>>('/audit-log', { query }),
  /** The list (same filters) as a spreadsheet, for a download link. */
  exportHref: (query: Query) => `/api/v1/audit-log/export${buildQuery(query)}`,
  verify: () => api.get<VerifyAnswer>('/audit-log/verify'),
}
