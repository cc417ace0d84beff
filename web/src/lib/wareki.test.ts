import { describe, expect, it } from 'vitest'
import {
  displayDate,
  eraOf,
  fiscalYear,
  formatFiscalYearWareki,
  formatWareki,
  jstDayBoundary,
  parseDateOnly,
  todayJst,
  toJst,
} from './wareki'

describe('formatWareki', () => {
  it('formats 令和 dates', () => {
    expect(formatWareki({ y: 2025, m: 4, d: 1 })).toBe('令和7年4月1日')
    expect(formatWareki({ y: 2020, m: 1, d: 1 })).toBe('令和2年1月1日')
  })
  it('writes the first year as 元年', () => {
    expect(formatWareki({ y: 2019, m: 5, d: 1 })).toBe('令和元年5月1日')
    expect(formatWareki({ y: 2019, m: 12, d: 31 })).toBe('令和元年12月31日')
    expect(formatWareki({ y: 1989, m: 1, d: 8 })).toBe('平成元年1月8日')
  })
  it('switches era on the exact day', () => {
    expect(formatWareki({ y: 2019, m: 4, d: 30 })).toBe('平成31年4月30日')
    expect(formatWareki({ y: 1989, m: 1, d: 7 })).toBe('昭和64年1月7日')
    expect(formatWareki({ y: 1926, m: 12, d: 24 })).toBe('大正15年12月24日')
    expect(formatWareki({ y: 1926, m: 12, d: 25 })).toBe('昭和元年12月25日')
    expect(formatWareki({ y: 1912, m: 7, d: 29 })).toBe('明治45年7月29日')
    expect(formatWareki({ y: 1912, m: 7, d: 30 })).toBe('大正元年7月30日')
  })
  it('counts 明治 from 1868 and falls back to 西暦 before 1873', () => {
    expect(formatWareki({ y: 1873, m: 1, d: 1 })).toBe('明治6年1月1日')
    expect(formatWareki({ y: 1872, m: 12, d: 31 })).toBe('1872年12月31日')
    expect(eraOf({ y: 1800, m: 1, d: 1 })).toBeNull()
  })
})

describe('toJst', () => {
  it('converts UTC instants to Japan time whatever the local zone', () => {
    // 2025-03-31T15:00Z is 2025-04-01 00:00 in Tokyo: the date changes.
    expect(toJst('2025-03-31T15:00:00Z')).toEqual({ y: 2025, m: 4, d: 1, hh: 0, mm: 0, ss: 0 })
    expect(toJst('2025-03-31T14:59:59Z')).toEqual({ y: 2025, m: 3, d: 31, hh: 23, mm: 59, ss: 59 })
    expect(toJst('2025-04-01T05:05:00+09:00')).toEqual({ y: 2025, m: 4, d: 1, hh: 5, mm: 5, ss: 0 })
  })
  it('rejects garbage', () => {
    expect(toJst('yesterday')).toBeNull()
  })
  it('crosses the era boundary in JST, not UTC', () => {
    // 2019-04-30T15:00Z is 2019-05-01 00:00 JST: already 令和.
    const t = toJst('2019-04-30T15:00:00Z')!
    expect(formatWareki(t)).toBe('令和元年5月1日')
  })
})

describe('displayDate', () => {
  it('shows calendar dates as written, in both calendars', () => {
    expect(displayDate('2025-04-01', 'ja')).toEqual({
      primary: '令和7年4月1日',
      secondary: '2025-04-01',
      machine: '2025-04-01',
    })
    expect(displayDate('2025-04-01', 'en')).toEqual({
      primary: '2025-04-01',
      secondary: 'Reiwa 7',
      machine: '2025-04-01',
    })
  })
  it('shows instants in JST', () => {
    const d = displayDate('2025-04-01T05:05:09Z', 'ja')!
    expect(d.primary).toBe('令和7年4月1日 14:05')
    expect(d.secondary).toBe('2025-04-01 14:05')
    expect(displayDate('2025-04-01T05:05:09Z', 'ja', { seconds: true })!.primary).toBe('令和7年4月1日 14:05:09')
    expect(displayDate('2025-04-01T05:05:09Z', 'en')!.primary).toBe('2025-04-01 14:05 JST')
  })
  it('returns null for invalid input', () => {
    expect(displayDate('2025-02-30', 'ja')).toBeNull()
    expect(displayDate('nope', 'ja')).toBeNull()
  })
})

describe('dates', () => {
  it('parses only real calendar dates', () => {
    expect(parseDateOnly('2024-02-29')).toEqual({ y: 2024, m: 2, d: 29 })
    expect(parseDateOnly('2025-02-29')).toBeNull()
    expect(parseDateOnly('2025-4-1')).toBeNull()
  })
  it('knows the 年度 runs April to March', () => {
    expect(fiscalYear({ y: 2026, m: 3, d: 31 })).toBe(2025)
    expect(fiscalYear({ y: 2025, m: 4, d: 1 })).toBe(2025)
    expect(formatFiscalYearWareki(2025)).toBe('令和7年度')
    expect(formatFiscalYearWareki(2019)).toBe('平成31年度')
  })
  it('gives today in Japan', () => {
    expect(todayJst(Date.parse('2025-03-31T15:30:00Z'))).toBe('2025-04-01')
  })
  it('turns a JST day into UTC boundaries', () => {
    expect(jstDayBoundary('2025-04-01')).toBe('2025-03-31T15:00:00Z')
    expect(jstDayBoundary('2025-04-01', true)).toBe('2025-04-01T14:59:59Z')
    expect(jstDayBoundary('bad')).toBeNull()
  })
})

describe('Intl japanese calendar agrees on era and year (sanity check of our table)', () => {
  // Intl's own output format varies ("令和7/4/1" in Node's ICU), which is why the
  // formatter is our own; its era and year parts must still agree with ours.
  it('matches ja-JP-u-ca-japanese era/year parts for sample dates', () => {
    const fmt = new Intl.DateTimeFormat('ja-JP-u-ca-japanese', {
      era: 'long',
      year: 'numeric',
      timeZone: 'Asia/Tokyo',
    })
    for (const iso of ['2025-04-01', '2019-05-01', '2019-04-30', '1990-06-15', '1989-01-08', '1950-01-01']) {
      const d = parseDateOnly(iso)!
      const parts = fmt.formatToParts(new Date(`${iso}T12:00:00+09:00`))
      const era = parts.find((p) => p.type === 'era')?.value
      const year = parts.find((p) => p.type === 'year' || (p.type as string) === 'relatedYear')?.value
      const ours = eraOf(d)!
      expect(ours.era.name).toBe(era)
      expect(year === '元' ? 1 : Number(year)).toBe(ours.year)
    }
  })
})
