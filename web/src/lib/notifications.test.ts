import { afterEach, describe, expect, it, vi } from 'vitest'
import { refreshUnread, safeLink, unreadCount } from './notifications'

describe('safeLink', () => {
  it('keeps an app path and refuses anything that leaves the app', () => {
    expect(safeLink('/requests/abc')).toBe('/requests/abc')
    expect(safeLink(null)).toBeNull()
    expect(safeLink('')).toBeNull()
    expect(safeLink('//evil.example.com/x')).toBeNull()
    expect(safeLink('https://evil.example.com/')).toBeNull()
    expect(safeLink('javascript:alert(1)')).toBeNull()
  })
})

describe('refreshUnread', () => {
  afterEach(() => vi.restoreAllMocks())

  it('takes the unread count the server answers', async () => {
    vi.spyOn(globalThis, 'fetch').mockResolvedValue(
      new Response(JSON.stringify({ items: [], total: 9, unread: 4 }), {
        status: 200,
        headers: { 'Content-Type': 'application/json' },
      }),
    )
    await refreshUnread()
    expect(unreadCount.value).toBe(4)
  })

  it('keeps the last count when the server cannot be read', async () => {
    unreadCount.value = 2
    vi.spyOn(globalThis, 'fetch').mockRejectedValue(new TypeError('network down'))
    await refreshUnread()
    expect(unreadCount.value).toBe(2)
  })
})
