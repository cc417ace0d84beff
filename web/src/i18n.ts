// Messages and the language switch. Japanese is the default; the choice of
// English is remembered in localStorage (only the language — never a password,
// token or personal data).

import { createI18n } from 'vue-i18n'
import ja from './locales/ja.json'
import en from './locales/en.json'

export type Locale = 'ja' | 'en'
export const LOCALES: Locale[] = ['ja', 'en']
const STORAGE_KEY = 'mamori.locale'

function initialLocale(): Locale {
  try {
    const v = window.localStorage.getItem(STORAGE_KEY)
    if (v === 'ja' || v === 'en') return v
  } catch {
    /* storage disabled: use the default */
  }
  return 'ja'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'ja',
  messages: { ja, en },
  missingWarn: false,
  fallbackWarn: false,
})

export function currentLocale(): Locale {
  return i18n.global.locale.value as Locale
}

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  document.documentElement.lang = locale
  try {
    window.localStorage.setItem(STORAGE_KEY, locale)
  } catch {
    /* not remembered; still switched for this page */
  }
}
