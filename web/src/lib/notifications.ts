// The unread count the bell in the header shows: read when the shell appears, every minute
// while it is shown, and set by the notifications page whenever it learns a newer count.
import { ref } from 'vue'
import { notificationsApi } from '../api/notifications'

export const unreadCount = ref(0)

let timer: ReturnType<typeof setInterval> | null = null

export async function refreshUnread(): Promise<void> {
  try {
    unreadCount.value = (await notificationsApi.list(1, 1)).unread
  } catch {
    // The bell is a hint: a failed read keeps the last count (the page shows errors).
  }
}

/** Starts (true) or stops (false) reading the count every `everyMs`. */
export function watchUnread(on: boolean, everyMs = 60_000): void {
  if (timer !== null) {
    clearInterval(timer)
    timer = null
  }
  if (!on) return
  void refreshUnread()
  timer = setInterval(() => void refreshUnread(), everyMs)
}

/** The link a notification opens: an app path only (never another site). */
export function safeLink(link: string | null): string | null {
  if (!link || !link.startsWith('/') || link.startsWith('//')) return null
  return link
}
