// The list pages' shared URL-query list: filters and page from the query, loading with them,
// search / clear / paging through router.replace, and reloading only on its own route.
// The composable runs inside a real component (Vue's renderer with no-op nodes, as the tests
// run without a DOM), so that its onMounted and watch behave as in the app; the router and the
// API client are stand-ins.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createRenderer, defineComponent, nextTick, reactive } from 'vue'
import type { LocationQuery } from 'vue-router'
import { api } from '../api/client'
import type { List } from '../api/types'
import type { UrlList, UrlListOptions } from './useUrlList'

const route = reactive<{ name: string; query: LocationQuery }>({ name: 'things', query: {} })
const replace = vi.fn(async (to: { query: Record<string, string> }) => {
  route.query = { ...to.query }
})
vi.mock('vue-router', () => ({ useRoute: () => route, useRouter: () => ({ replace }) }))

const get = vi.fn()
vi.mock('../api/client', () => ({ api: { get: (...args: unknown[]) => get(...args) } }))

const { useUrlList } = await import('./useUrlList')

interface Thing {
  id: string
}
const keys = ['q', 'kind'] as const
type Key = (typeof keys)[number]

const { createApp } = createRenderer<object, object>({
  patchProp: () => {},
  insert: () => {},
  remove: () => {},
  createElement: () => ({}),
  createText: () => ({}),
  createComment: () => ({}),
  setText: () => {},
  setElementText: () => {},
  parentNode: () => null,
  nextSibling: () => null,
})

let unmount: (() => void) | null = null
function mount(extra: Partial<UrlListOptions<Thing, Key>> = {}): UrlList<Thing, Key> {
  let list: UrlList<Thing, Key> | null = null
  const app = createApp(
    defineComponent({
      setup() {
        list = useUrlList<Thing, Key>({ fetch: (query) => api.get<List<Thing>>('/things', { query }), keys, routeName: 'things', perPage: 20, ...extra })
        return () => null
      },
    }),
  )
  app.mount({})
  unmount = () => app.unmount()
  return list!
}

/** Lets the watcher run and the load it starts settle. */
async function settle() {
  await nextTick()
  await new Promise((r) => setTimeout(r, 0))
}

const page1: List<Thing> = { items: [{ id: 't1' }], total: 1 }

beforeEach(() => {
  route.name = 'things'
  route.query = {}
  replace.mockClear()
  get.mockReset()
  get.mockResolvedValue(page1)
})
afterEach(() => {
  unmount?.()
  unmount = null
})

describe('useUrlList', () => {
  it('reads the filters and the page from the query on mount, and loads with them', async () => {
    route.query = { q: 'server', kind: ['a', 'b'], page: '3', other: 'x' }
    const list = mount()
    expect(list.filters).toEqual({ q: 'server', kind: '' })
    expect(list.page.value).toBe(3)
    await settle()
    expect(get).toHaveBeenCalledOnce()
    expect(get).toHaveBeenCalledWith('/things', { query: { q: 'server', kind: '', page: 3, per_page: 20 } })
    expect(list.result.value).toEqual(page1)
    expect(list.loading.value).toBe(false)
    expect(list.error.value).toBeNull()
  })

  it('takes a missing, zero, negative or fractional page as page 1', async () => {
    for (const page of [undefined, '0', '-2', '1.5', 'abc']) {
      route.query = page === undefined ? {} : { page }
      const list = mount()
      expect(list.page.value).toBe(1)
      unmount!()
    }
    unmount = null
  })

  it('puts the trimmed, non-empty filters in the URL and drops the page', async () => {
    route.query = { q: 'old', page: '4' }
    const list = mount()
    await settle()
    list.filters.q = '  mail server  '
    list.filters.kind = '   '
    list.applyFilters()
    expect(replace).toHaveBeenCalledWith({ query: { q: 'mail server' } })
    await settle()
    expect(list.page.value).toBe(1)
    expect(list.filters).toEqual({ q: 'mail server', kind: '' })
    expect(get).toHaveBeenLastCalledWith('/things', { query: { q: 'mail server', kind: '', page: 1, per_page: 20 } })
  })

  it('clears every filter and the page', async () => {
    route.query = { q: 'a', kind: 'b', page: '2' }
    const list = mount()
    list.clearFilters()
    expect(replace).toHaveBeenCalledWith({ query: {} })
    await settle()
    expect(list.filters).toEqual({ q: '', kind: '' })
    expect(list.page.value).toBe(1)
  })

  it('goes to another page keeping the filters in the URL', async () => {
    route.query = { q: 'a', kind: 'b' }
    const list = mount()
    await settle()
    list.filters.q = 'edited but not searched'
    list.goPage(2)
    expect(replace).toHaveBeenCalledWith({ query: { q: 'a', kind: 'b', page: '2' } })
    await settle()
    expect(list.page.value).toBe(2)
    expect(list.filters.q).toBe('a')
    expect(get).toHaveBeenLastCalledWith('/things', { query: { q: 'a', kind: 'b', page: 2, per_page: 20 } })
  })

  it('sets the error and drops the result when loading fails', async () => {
    const list = mount()
    await settle()
    expect(list.result.value).toEqual(page1)
    const failure = new Error('502')
    get.mockRejectedValueOnce(failure)
    await list.load()
    expect(list.error.value).toBe(failure)
    expect(list.result.value).toBeNull()
    expect(list.loading.value).toBe(false)
    // The next load clears the error.
    await list.load()
    expect(list.error.value).toBeNull()
    expect(list.result.value).toEqual(page1)
  })

  it('shows loading while a load is under way', async () => {
    let answer: (l: List<Thing>) => void = () => {}
    get.mockImplementationOnce(() => new Promise((r) => (answer = r)))
    const list = mount()
    expect(list.loading.value).toBe(true)
    answer(page1)
    await settle()
    expect(list.loading.value).toBe(false)
    expect(list.result.value).toEqual(page1)
  })

  it('ignores query changes while another route is shown', async () => {
    const list = mount()
    await settle()
    expect(get).toHaveBeenCalledOnce()
    route.name = 'thing'
    route.query = { q: 'elsewhere', page: '5' }
    await settle()
    expect(get).toHaveBeenCalledOnce()
    expect(list.filters.q).toBe('')
    expect(list.page.value).toBe(1)
    route.name = 'things'
    route.query = { q: 'here' }
    await settle()
    expect(get).toHaveBeenCalledTimes(2)
    expect(list.filters.q).toBe('here')
  })

  it('sends the query the view computes, and hands each list loaded to afterLoad', async () => {
    const seen: List<Thing>[] = []
    route.query = { q: ' x ', kind: 'k' }
    mount({ query: (f) => ({ search: f.q.trim(), mine: 'true' }), afterLoad: (l) => seen.push(l) })
    await settle()
    expect(get).toHaveBeenCalledWith('/things', { query: { search: 'x', mine: 'true', page: 1, per_page: 20 } })
    expect(seen).toEqual([page1])
  })

  it('stops reloading once unmounted', async () => {
    mount()
    await settle()
    unmount!()
    unmount = null
    route.query = { q: 'later' }
    await settle()
    expect(get).toHaveBeenCalledOnce()
  })
})
