import type { Locale } from '@/locales'

/** A moment as the reader's locale writes it, to the minute (or '' when there is none). */
export function formatMoment(value: string | null | undefined, locale: Locale): string {
  if (!value) return ''
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(
    new Date(value),
  )
}

/** A calendar day (YYYY-MM-DD) as the reader's locale writes it. */
export function formatDay(value: string | null | undefined, locale: Locale): string {
  if (!value) return ''
  const [year, month, day] = value.split('-').map(Number)
  const date = new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, day ?? 1))
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }).format(date)
}
