// The console's texts: one JSON file per area and language under langs/, merged here.
// zh-CN is the default; English is complete (a test checks both have the same keys).
import type { Ref } from 'vue'
import { createI18n } from 'vue-i18n'

export const LOCALES = ['zh-CN', 'en-US'] as const
export type Locale = (typeof LOCALES)[number]
export const DEFAULT_LOCALE: Locale = 'zh-CN'

interface Messages {
  [key: string]: string | Messages
}

const files = import.meta.glob<Messages>('./langs/*/*.json', { eager: true, import: 'default' })

/** The messages of every locale, keyed by area (the file's name): `{ 'zh-CN': { home: {...} } }`. */
export function messagesByLocale(found: Record<string, Messages>): Record<string, Messages> {
  const merged: Record<string, Messages> = {}
  for (const [path, content] of Object.entries(found)) {
    const match = /langs\/([^/]+)\/([^/]+)\.json$/.exec(path)
    if (!match) continue
    const [, locale, area] = match as unknown as [string, string, string]
    merged[locale] = { ...merged[locale], [area]: content }
  }
  return merged
}

// The choice of language is no secret; keeping it spares the user choosing again.
const STORAGE_KEY = 'linli.locale'

function savedLocale(): Locale {
  const saved = globalThis.localStorage?.getItem(STORAGE_KEY)
  return (LOCALES as readonly string[]).includes(saved ?? '') ? (saved as Locale) : DEFAULT_LOCALE
}

export const i18n = createI18n({
  legacy: false,
  locale: savedLocale(),
  fallbackLocale: DEFAULT_LOCALE,
  messages: messagesByLocale(files),
})

// In composition mode the global locale is a ref (the option types do not say so).
const globalLocale = i18n.global.locale as unknown as Ref<Locale>

export function currentLocale(): Locale {
  return globalLocale.value
}

export function setLocale(locale: Locale): void {
  globalLocale.value = locale
  globalThis.localStorage?.setItem(STORAGE_KEY, locale)
  document.documentElement.lang = locale
}

/** The Accept-Language the services understand for a locale (they speak zh and en). */
export function acceptLanguage(locale: Locale): string {
  return locale === 'en-US' ? 'en' : 'zh'
}
