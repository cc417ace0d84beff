// The organisation tree (GET/POST /org-units).
import { api } from './client'
import type { Query } from './query'
import type { List, OrgUnit } from './types'

export interface NewOrgUnit {
  code: string
  name: string
  kind: string
  parent_id: string | null
}

export const orgApi = {
  list: (query: Query = { per_page: 1000 }) => api.get<List<OrgUnit>>('/org-units', { query }),
  create: (unit: NewOrgUnit) => api.post<OrgUnit>('/org-units', unit),
}
