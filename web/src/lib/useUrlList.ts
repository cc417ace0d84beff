// A paged list whose filters live in the URL query (never anything secret): the filters and the
// page are read from the query, the list is loaded from the API with them, and searching, clearing
// or paging only rewrites the query (router.replace), which then reloads the list. The list pages
// (assets, systems, users, requests, audit log) share this; what is their own (the form, extra
// query parameters, what to do with the loaded items) stays in the view.
import { onMounted, reactive, ref, watch, type Ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import type { RequestOptions } from '../api/client'
import type { List } from '../api/types'

type ApiQuery = NonNullable<RequestOptions['query']>

export interface UrlListOptions<T, K extends string> {
  /** The list call of the resource's API module, e.g. assetsApi.list. */
  fetch: (query: ApiQuery) => Promise<List<T>>
  /** The filter keys: each one both a URL query parameter and a field of `filters`. */
  keys: readonly K[]
  /** The route the list belongs to: query changes seen while another route is shown are ignored. */
  routeName: string
  /** Items per page (the API's per_page). */
  perPage: number
  /**
   * The API query for the filters, computed on each load (page and per_page are added).
   * By default the filters as they are (the client leaves out empty values).
   */
  query?: (filters: Readonly<Record<K, string>>) => ApiQuery
  /** Called with each list loaded, e.g. to look up the names it refers to. */
  afterLoad?: (list: List<T>) => void
}

export interface UrlList<T, K extends string> {
  /** The filters as edited in the form; set from the URL query on every route change. */
  filters: Record<K, string>
  page: Ref<number>
  result: Ref<List<T> | null>
  loading: Ref<boolean>
  error: Ref<unknown>
  /** Filters and page from the URL query. */
  readQuery: () => void
  /** Loads the list for the current filters and page; an error leaves no result. */
  load: () => Promise<void>
  /** Puts the filters (trimmed, empty ones left out) in the URL, back on the first page. */
  applyFilters: () => void
  /** Removes every filter (and the page) from the URL. */
  clearFilters: () => void
  /** Goes to page p, keeping the filters in the URL. */
  goPage: (p: number) => void
}

export function useUrlList<T, K extends string>(opts: UrlListOptions<T, K>): UrlList<T, K> {
  const route = useRoute()
  const router = useRouter()

  const filters = reactive(Object.fromEntries(opts.keys.map((k) => [k, '']))) as Record<K, string>
  const page = ref(1)
  const result = ref(null) as Ref<List<T> | null>
  const loading = ref(false)
  const error = ref<unknown>(null)

  function readQuery() {
    for (const k of opts.keys) {
      const v = route.query[k]
      filters[k] = typeof v === 'string' ? v : ''
    }
    const p = Number(route.query.page)
    page.value = Number.isInteger(p) && p > 0 ? p : 1
  }

  async function load() {
    loading.value = true
    error.value = null
    try {
      const query = opts.query ? opts.query(filters) : filters
      result.value = await opts.fetch({ ...query, page: page.value, per_page: opts.perPage })
      opts.afterLoad?.(result.value)
    } catch (e) {
      error.value = e
      result.value = null
    } finally {
      loading.value = false
    }
  }

  function applyFilters() {
    const query: Record<string, string> = {}
    for (const k of opts.keys) if (filters[k].trim() !== '') query[k] = filters[k].trim()
    void router.replace({ query })
  }
  function clearFilters() {
    void router.replace({ query: {} })
  }
  function goPage(p: number) {
    void router.replace({ query: { ...route.query, page: String(p) } })
  }

  watch(
    () => route.query,
    () => {
      if (route.name !== opts.routeName) return
      readQuery()
      void load()
    },
  )
  onMounted(() => {
    readQuery()
    void load()
  })

  return { filters, page, result, loading, error, readQuery, load, applyFilters, clearFilters, goPage }
}
