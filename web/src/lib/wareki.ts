// 和暦 (Japanese era) and JST formatting, independent of the browser's time zone.
//
// Timestamps from the API are RFC 3339 UTC instants; they are shown in Japan
// Standard Time (UTC+9, no daylight saving since 1951), so a fixed offset is
// exact and does not depend on the ICU data or the zone of the machine.
// Calendar dates (e.g. `expires_on: "2025-04-01"`) are not instants and are
// shown as written, with no zone conversion.

export interface Ymd {
  y: number
  m: number
  d: number
}

export interface JstParts extends Ymd {
  hh: number
  mm: number
  ss: number
}

export interface Era {
  /** Japanese name, e.g. 令和 */
  name: string
  /** Romanised name, e.g. Reiwa */
  nameEn: string
  /** First day of the era (Gregorian) */
  start: Ymd
}

// Newest first. 明治 is listed from the adoption of the Gregorian calendar
// (明治6年1月1日); earlier dates are shown in 西暦 only.
export const ERAS: readonly Era[] = [
  { name: '令和', nameEn: 'Reiwa', start: { y: 2019, m: 5, d: 1 } },
  { name: '平成', nameEn: 'Heisei', start: { y: 1989, m: 1, d: 8 } },
  { name: '昭和', nameEn: 'Showa', start: { y: 1926, m: 12, d: 25 } },
  { name: '大正', nameEn: 'Taisho', start: { y: 1912, m: 7, d: 30 } },
  { name: '明治', nameEn: 'Meiji', start: { y: 1873, m: 1, d: 1 } },
]
const MEIJI_FIRST_YEAR = 1868

const JST_OFFSET_MS = 9 * 60 * 60 * 1000

function cmp(a: Ymd, b: Ymd): number {
  return a.y - b.y || a.m - b.m || a.d - b.d
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0')
}

/** Parses "YYYY-MM-DD" (a calendar date). Returns null when it is not one. */
export function parseDateOnly(s: string): Ymd | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s)
  if (!m) return null
  const ymd = { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) }
  const t = new Date(Date.UTC(ymd.y, ymd.m - 1, ymd.d))
  if (t.getUTCFullYear() !== ymd.y || t.getUTCMonth() !== ymd.m - 1 || t.getUTCDate() !== ymd.d) {
    return null
  }
  return ymd
}

/** True when the string is a calendar date rather than an instant. */
export function isDateOnly(s: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(s)
}

/** The wall-clock time in Japan of an instant. Returns null for an unparsable value. */
export function toJst(value: string | number | Date): JstParts | null {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value)
  if (!Number.isFinite(ms)) return null
  const t = new Date(ms + JST_OFFSET_MS)
  return {
    y: t.getUTCFullYear(),
    m: t.getUTCMonth() + 1,
    d: t.getUTCDate(),
    hh: t.getUTCHours(),
    mm: t.getUTCMinutes(),
    ss: t.getUTCSeconds(),
  }
}

/** The era and the year within it, or null before 明治6年 (1873). */
export function eraOf(date: Ymd): { era: Era; year: number } | null {
  for (const era of ERAS) {
    if (cmp(date, era.start) >= 0) {
      const first = era.name === '明治' ? MEIJI_FIRST_YEAR : era.start.y
      return { era, year: date.y - first + 1 }
    }
  }
  return null
}

/** 令和7年4月1日; year 1 is written 元年 (令和元年5月1日). */
export function formatWareki(date: Ymd): string {
  const e = eraOf(date)
  if (!e) return `${date.y}年${date.m}月${date.d}日`
  const year = e.year === 1 ? '元' : String(e.year)
  return `${e.era.name}${year}年${date.m}月${date.d}日`
}

/** "Reiwa 7" — the era year in English. */
export function formatEraYearEn(date: Ymd): string {
  const e = eraOf(date)
  return e ? `${e.era.nameEn} ${e.year}` : String(date.y)
}

/** 2025-04-01 */
export function formatIsoDate(date: Ymd): string {
  return `${pad(date.y, 4)}-${pad(date.m)}-${pad(date.d)}`
}

/** 14:05 */
export function formatTime(t: JstParts, seconds = false): string {
  return seconds ? `${pad(t.hh)}:${pad(t.mm)}:${pad(t.ss)}` : `${pad(t.hh)}:${pad(t.mm)}`
}

/** 年度 (fiscal year, April to March) of a date: 2026-03-31 is 2025年度. */
export function fiscalYear(date: Ymd): number {
  return date.m >= 4 ? date.y : date.y - 1
}

/** 令和7年度 — the fiscal year named in its era (by its first day, 1 April). */
export function formatFiscalYearWareki(fy: number): string {
  const e = eraOf({ y: fy, m: 4, d: 1 })
  if (!e) return `${fy}年度`
  return `${e.era.name}${e.year === 1 ? '元' : e.year}年度`
}

export interface DisplayDate {
  /** 和暦 form (ja) or era form (en), e.g. 令和7年4月1日 14:05 */
  primary: string
  /** 西暦 form, e.g. 2025-04-01 14:05 */
  secondary: string
  /** machine-readable value for <time datetime> */
  machine: string
}

/**
 * Formats an API value for display. A calendar date ("2025-04-01") is shown as
 * written; an instant is shown in JST. `locale` picks the Japanese or English form.
 */
export function displayDate(value: string, locale: string, opts: { seconds?: boolean } = {}): DisplayDate | null {
  const ja = !locale.startsWith('en')
  if (isDateOnly(value)) {
    const d = parseDateOnly(value)
    if (!d) return null
    return ja
      ? { primary: formatWareki(d), secondary: formatIsoDate(d), machine: value }
      : { primary: formatIsoDate(d), secondary: formatEraYearEn(d), machine: value }
  }
  const t = toJst(value)
  if (!t) return null
  const time = formatTime(t, opts.seconds)
  return ja
    ? { primary: `${formatWareki(t)} ${time}`, secondary: `${formatIsoDate(t)} ${time}`, machine: value }
    : { primary: `${formatIsoDate(t)} ${time} JST`, secondary: formatEraYearEn(t), machine: value }
}

/** Today's date in Japan, as YYYY-MM-DD. */
export function todayJst(now: number = Date.now()): string {
  return formatIsoDate(toJst(now)!)
}

/**
 * Converts a JST calendar date to the UTC instant that starts (or, with
 * `endOfDay`, ends) that day, as RFC 3339: for the audit-log period filter.
 */
export function jstDayBoundary(date: string, endOfDay = false): string | null {
  const d = parseDateOnly(date)
  if (!d) return null
  let ms = Date.UTC(d.y, d.m - 1, d.d) - JST_OFFSET_MS
  if (endOfDay) ms += 24 * 60 * 60 * 1000 - 1000
  return new Date(ms).toISOString().replace('.000Z', 'Z')
}
