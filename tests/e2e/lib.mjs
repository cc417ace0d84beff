// Helpers shared by the browser tests (run.mjs, kit.mjs): the environment they run in, messages
// from the locale files, screenshots with their axe-core check, sign-in (the forced password
// change and TOTP enrolment), calls to the API from inside a page, steps and their report.
//
// Environment: MAMORI_URL (the server), MAMORI_SCREENSHOTS (default below),
// MAMORI_CHROMIUM (default /usr/bin/chromium), MAMORI_E2E_HEADED=1 (show the browser).

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
export const ja = JSON.parse(fs.readFileSync(path.join(here, '../../web/src/locales/ja.json'), 'utf8'))
export const en = JSON.parse(fs.readFileSync(path.join(here, '../../web/src/locales/en.json'), 'utf8'))

export const BASE = (process.env.MAMORI_URL ?? '').replace(/\/+$/, '')
// Each script has its own default directory: /tmp/mamori-shots for run.mjs, /tmp/mamori-shots-kit
// for kit.mjs (a run empties its directory first).
const scriptName = path.basename(process.argv[1] ?? 'run.mjs', '.mjs')
export const SHOTS = process.env.MAMORI_SCREENSHOTS || `/tmp/mamori-shots${scriptName === 'run' ? '' : `-${scriptName}`}`
export const CHROMIUM = process.env.MAMORI_CHROMIUM || '/usr/bin/chromium'

// ---------------------------------------------------------------- helpers

/** Message text from a locale file, with {placeholders} filled in. */
export function msg(locale, key, params = {}) {
  const v = key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), locale)
  if (typeof v !== 'string') throw new Error(`no message ${key}`)
  return v.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? `{${k}}`))
}

/**
 * Puts the server's vocabularies into `ja` and `en` under the message groups the app merges them
 * into (web/src/api/terms.ts): GET /policy `terms` and the request states of GET /registers, so
 * msg(ja, 'status.locked') is the label the page shows. Needs a signed-in page.
 */
export async function useServerTerms(page) {
  const policy = await apiOk(page, 'GET', '/policy')
  const catalog = await apiOk(page, 'GET', '/registers')
  const groups = { asset_kinds: ['asset_kind'], asset_states: ['asset_state'], employment_types: ['employment'], user_statuses: ['status'], org_kinds: ['org', 'kind'] }
  const lists = { ...policy.terms, request_states: [] }
  groups.request_states = ['request_state']
  for (const t of catalog.items ?? []) {
    if (t.kind !== 'request_type') continue
    for (const s of t.workflow?.states ?? []) if (!lists.request_states.some((x) => x.id === s.id)) lists.request_states.push(s)
  }
  for (const [list, path] of Object.entries(groups)) {
    for (const [locale, key] of [[ja, 'label'], [en, 'label_en']]) {
      let node = locale
      for (const k of path.slice(0, -1)) node = node[k] ??= {}
      node[path[path.length - 1]] = Object.fromEntries((lists[list] ?? []).map((x) => [x.id, x[key] || x.label]))
    }
  }
}

/** A password the pack's rules accept: long, four classes, random (no dictionary word). */
export function strongPassword() {
  return `Mm-${crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}-7q`
}

export function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const out = []
  for (const c of s.toUpperCase().replace(/[\s=]/g, '')) {
    const i = alphabet.indexOf(c)
    if (i < 0) throw new Error(`bad base32 character ${c}`)
    value = (value << 5) | i
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

/** RFC 6238 TOTP (HMAC-SHA1, 30 s, 6 digits) for one time step. */
export function totp(secret, step) {
  const msgBuf = Buffer.alloc(8)
  msgBuf.writeBigUInt64BE(BigInt(step))
  const h = crypto.createHmac('sha1', base32Decode(secret)).update(msgBuf).digest()
  const o = h[h.length - 1] & 0x0f
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// ---------------------------------------------------------------- accessibility (axe-core)

const axeSource = fs.readFileSync(path.join(here, 'node_modules/axe-core/axe.min.js'), 'utf8')
/** Serious and critical axe violations found, one line each (the run fails on any). */
export const axeViolations = []
const axeChecked = new Set()

/**
 * Runs axe on the page as it is (an open dialog included). axe is evaluated through the
 * DevTools protocol, so the page's CSP (no inline script) is not weakened for it.
 */
export async function checkAxe(page, name) {
  const key = `${name}|${new URL(page.url()).pathname}|${page.viewportSize()?.width}`
  if (axeChecked.has(key)) return
  axeChecked.add(key)
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(`${axeSource}\n;0`)
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] })
    return r.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)
  })
  for (const f of found) axeViolations.push(`${name} ${new URL(page.url()).pathname}: ${f}`)
}

/**
 * A code for a time step later than `after` (the server never accepts a code
 * twice), waiting for the next 30 s step when needed; also avoids the last
 * 2 s of a step so the code is still current when it arrives.
 */
export async function freshCode(secret, after = -1) {
  for (;;) {
    const now = Date.now()
    const step = Math.floor(now / 30000)
    const left = (step + 1) * 30000 - now
    if (step > after && left > 2000) return { code: totp(secret, step), step }
    const wait = step > after ? left + 200 : (after + 1) * 30000 - now + 200
    console.log(`    (waiting ${Math.ceil(wait / 1000)} s for a fresh TOTP step)`)
    await sleep(wait)
  }
}

let shotNo = 0
/** How many screenshots were taken so far. */
export const shotCount = () => shotNo
export async function shot(page, name) {
  shotNo += 1
  const lang = await page.evaluate(() => document.documentElement.lang)
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}-${lang}.png`)
  // An open dialog is photographed as seen (the backdrop covers only the viewport).
  const dialog = (await page.locator('dialog[open]').count()) > 0
  await page.screenshot({ path: file, fullPage: !dialog })
  if (lang === 'ja') await checkAxe(page, name)
}

export async function setLang(page, lang) {
  const current = await page.evaluate(() => document.documentElement.lang)
  if (current === lang) return
  await page.click(`[data-testid="lang-${lang}"]`)
  await page.waitForFunction((l) => document.documentElement.lang === l, lang)
}

/** Screenshots of the current page in Japanese and in English; leaves it in Japanese. */
export async function shotBoth(page, name) {
  await setLang(page, 'ja')
  await page.waitForLoadState('networkidle').catch(() => {})
  await shot(page, name)
  await setLang(page, 'en')
  await shot(page, name)
  await setLang(page, 'ja')
}

/** An open dialog (the page behind is inert) photographed in both languages; leaves it in Japanese. */
export async function shotInDialogBoth(page, name) {
  // The switch behind the modal takes no pointer: its click event is sent directly.
  const switchTo = async (lang) => {
    await page.evaluate((l) => document.querySelector(`[data-testid="lang-${l}"]`).dispatchEvent(new MouseEvent('click', { bubbles: true })), lang)
    await page.waitForFunction((l) => document.documentElement.lang === l, lang)
  }
  for (const lang of ['ja', 'en']) {
    await switchTo(lang)
    await shot(page, name)
  }
  await switchTo('ja')
}

/** A dialog photographed in both languages: opened, shot, closed with Escape, per language. */
export async function shotDialogBoth(page, name, open) {
  for (const lang of ['ja', 'en']) {
    await setLang(page, lang)
    await open()
    await page.waitForSelector('dialog[open]')
    await shot(page, name)
    await page.keyboard.press('Escape')
    await page.waitForSelector('dialog[open]', { state: 'detached' }).catch(() => {})
    await page.waitForFunction(() => !document.querySelector('dialog[open]'))
  }
  await setLang(page, 'ja')
}

export async function textOf(page, selector) {
  return (await page.locator(selector).first().innerText()).trim()
}

export function expect(cond, message) {
  if (!cond) throw new Error(message)
}

// Polls until `probe` returns true: the page re-renders after an action
// answers, so a single read right after a dialog closes can see the old text.
export async function eventually(probe, message, timeoutMs = 5000) {
  const end = Date.now() + timeoutMs
  for (;;) {
    if (await probe()) return
    if (Date.now() > end) throw new Error(typeof message === 'function' ? await message() : message)
    await new Promise(r => setTimeout(r, 100))
  }
}

export async function expectText(page, selector, expected) {
  const loc = page.locator(selector).first()
  await loc.waitFor()
  let got = ''
  await eventually(async () => (got = (await loc.innerText()).trim()) === expected,
    () => `${selector}: expected "${expected}", got "${got}"`)
}

// Browser-side problems: any CSP violation or uncaught error fails the run.
export const problems = []
export function watch(page, label) {
  page.on('console', (m) => {
    const text = m.text()
    if (/Content Security Policy|Refused to (load|execute|apply|evaluate|connect|frame)/i.test(text)) {
      problems.push(`[${label}] CSP: ${text}`)
    } else if (m.type() === 'error' && !/Failed to load resource/.test(text)) {
      problems.push(`[${label}] console error: ${text}`)
    }
  })
  page.on('pageerror', (e) => problems.push(`[${label}] page error: ${e.message}`))
}

export const steps = []
export async function step(name, fn) {
  const t0 = Date.now()
  process.stdout.write(`• ${name} … `)
  try {
    await fn()
    steps.push(name)
    console.log(`ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`)
  } catch (e) {
    console.log('FAILED')
    throw Object.assign(new Error(`step "${name}" failed: ${e.message}`), { cause: e })
  }
}

export async function login(page, loginId, password) {
  await page.goto(`${BASE}/login`)
  await page.fill('[data-testid="login-id"]', loginId)
  await page.fill('[data-testid="login-password"]', password)
  await page.click('[data-testid="login-submit"]')
}

export async function expectNoSecrets(page, secrets) {
  const stored = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, u: location.href }))
  for (const s of secrets) expect(!stored.includes(s), 'a password was found in storage or in the URL')
}

/** Signs in a fresh account through the forced password change and TOTP enrolment. */
export async function firstSignIn(page, loginId, temp, newPassword, { shots = false } = {}) {
  await login(page, loginId, temp)
  await page.waitForURL(/\/password$/)
  expect((await page.locator('h1').innerText()).trim() === msg(ja, 'password.forced_title'), 'forced password change page not shown')
  if (shots) await shotBoth(page, 'password-forced')

  // The rules are shown live, each broken one named.
  await page.fill('[data-testid="pw-current"]', temp)
  await page.fill('[data-testid="pw-new"]', 'abc')
  await page.waitForSelector('[data-rule="too_short"].rule-bad')
  await page.waitForSelector('[data-rule="too_few_classes"].rule-bad')
  if (shots) await shotBoth(page, 'password-rules-live')
  await page.fill('[data-testid="pw-new"]', `${loginId}Aa1!xyz`)
  await page.waitForSelector('[data-rule="contains_login_id"].rule-bad')
  await page.waitForSelector('[data-rule="too_short"].rule-ok')

  // A rule only the server checks, named after submission (dictionary or reuse).
  await page.fill('[data-testid="pw-new"]', temp)
  await page.fill('[data-testid="pw-confirm"]', temp)
  await page.click('[data-testid="pw-submit"]')
  await page.waitForSelector('[data-testid="error"]')
  const named = page.locator('[data-rule="reused"].rule-bad, [data-rule="too_similar"].rule-bad, [data-rule="dictionary_word"].rule-bad')
  await named.first().waitFor({ timeout: 5000 }).catch(async () => {
    throw new Error(`the server's refusal named no rule: ${(await page.locator('[data-testid="error"]').innerText()).replace(/\s+/g, ' ')}`)
  })
  if (shots) await shotBoth(page, 'password-server-rejected')

  await page.fill('[data-testid="pw-current"]', temp)
  await page.fill('[data-testid="pw-new"]', newPassword)
  await page.fill('[data-testid="pw-confirm"]', newPassword)
  const bad = await page.locator('#pw-rules .rule-bad').count()
  expect(bad === 0, `${bad} rule(s) still shown as broken for a good password`)
  const mfaRule = await page.evaluate(async () => {
    const r = await fetch('/api/v1/policy', { credentials: 'same-origin' })
    return r.ok ? (await r.json()).authentication?.mfa?.required_for ?? 'all' : 'all'
  })
  await page.click('[data-testid="pw-submit"]')

  await page.waitForURL((u) => u.pathname === '/mfa/enroll' || u.pathname === '/')
  if (new URL(page.url()).pathname === '/') {
    // The pack in force does not ask this person for MFA (required_for: none or privileged).
    expect(mfaRule !== 'all', 'the pack requires MFA for all, but no TOTP enrolment was asked for')
    console.log(`    (no MFA asked of ${loginId}: the pack's mfa.required_for is "${mfaRule}")`)
    return { secret: null, lastStep: -1 }
  }
  const secretLoc = page.locator('[data-testid="totp-secret"]')
  await secretLoc.waitFor()
  const secret = (await secretLoc.innerText()).replace(/\s/g, '')
  expect(/^[A-Z2-7]{16,}$/.test(secret), `TOTP secret looks wrong: ${secret}`)
  await page.waitForSelector('[data-testid="totp-qr"] img')
  if (shots) await shotBoth(page, 'mfa-enroll')

  // A wrong code is refused with a message.
  const wrong = await freshCode(secret)
  const wrongCode = String((Number(wrong.code) + 1) % 1_000_000).padStart(6, '0')
  await page.fill('[data-testid="totp-code"]', wrongCode)
  await page.click('[data-testid="totp-confirm"]')
  await page.waitForSelector('[data-testid="mfa-error"], [data-testid="error"]')

  const { code, step } = await freshCode(secret)
  await page.fill('[data-testid="totp-code"]', code)
  await page.click('[data-testid="totp-confirm"]')
  await page.waitForURL((u) => u.pathname === '/')
  await page.waitForSelector('h1')
  return { secret, lastStep: step }
}

/** A call to the API from inside the page, with the session's cookie and CSRF token. */
export async function apiCall(page, method, path, body) {
  return page.evaluate(
    async ({ method, path, body }) => {
      const s = await fetch('/api/v1/session', { credentials: 'same-origin' }).then((r) => r.json())
      const r = await fetch(`/api/v1${path}`, {
        method,
        credentials: 'same-origin',
        headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token ?? '' },
        body: body === undefined ? undefined : JSON.stringify(body),
      })
      const text = await r.text()
      let json = null
      try {
        json = text ? JSON.parse(text) : null
      } catch {
        json = text
      }
      return { status: r.status, body: json }
    },
    { method, path, body },
  )
}

export async function apiOk(page, method, path, body) {
  const r = await apiCall(page, method, path, body)
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`)
  return r.body
}

/** A calendar date in Japan, `days` from today, as YYYY-MM-DD. */
export function jstDate(days = 0) {
  return new Date(Date.now() + 9 * 3600_000 + days * 86400_000).toISOString().slice(0, 10)
}

export async function navTexts(page) {
  return (await page.locator('nav.main-nav a').allInnerTexts()).map((s) => s.trim())
}

/** Empties the screenshots directory (its PNG files) and makes sure it exists. */
export function prepareShots() {
  fs.mkdirSync(SHOTS, { recursive: true })
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f))
}

/** Debian's Chromium, headless unless MAMORI_E2E_HEADED=1. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: process.env.MAMORI_E2E_HEADED !== '1',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

// ---- the parts every walk shares ------------------------------------------------------------

export const ADMIN = process.env.MAMORI_ADMIN_LOGIN ?? ''
export const ADMIN_TEMP = process.env.MAMORI_ADMIN_PASSWORD ?? ''
export const APPROVER = process.env.MAMORI_APPROVER_LOGIN ?? ''
export const APPROVER_TEMP = process.env.MAMORI_APPROVER_PASSWORD ?? ''

/** Exits with 2 unless the server and the admin (and, with `approver`, the approver) are given. */
export function requireServer({ approver = false } = {}) {
  if (approver && (!BASE || !ADMIN || !ADMIN_TEMP || !APPROVER || !APPROVER_TEMP)) {
    console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN/PASSWORD and MAMORI_APPROVER_LOGIN/PASSWORD (the Kobe pack)')
    process.exit(2)
  }
  if (!BASE || !ADMIN || !ADMIN_TEMP) {
    console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN and MAMORI_ADMIN_PASSWORD (the temporary password)')
    process.exit(2)
  }
}

/**
 * Through the API as `admin`: a bureau and a section under the root unit (kind city), codes
 * `${prefix}B${stamp}` and `${prefix}S${stamp}`, named `bureauName` and `sectionName`.
 * { city, bureau, section } as the server answered them.
 */
export async function createSection(admin, { prefix = '', stamp, bureauName, sectionName }) {
  const units = await apiOk(admin, 'GET', '/org-units?per_page=1000')
  const city = units.items.find((u) => u.kind === 'city')
  const bureau = await apiOk(admin, 'POST', '/org-units', { code: `${prefix}B${stamp}`, name: bureauName, kind: 'bureau', parent_id: city.id })
  const section = await apiOk(admin, 'POST', '/org-units', { code: `${prefix}S${stamp}`, name: sectionName, kind: 'section', parent_id: bureau.id })
  return { city, bureau, section }
}

/**
 * Through the API as `admin`: a regular member of staff `login` (`name`) of org unit `unit`, given
 * `role` over org unit `scopeId`, or over the whole city when `scopeId` is null. A grant that
 * needs a second person (202) is approved by `approve(requestId, role)`; any other grant must be 201.
 * { id, login, temp, name }.
 */
export async function createPerson(admin, { login, name, unit, role, scopeId = null, approve = null }) {
  const u = await apiOk(admin, 'POST', '/users', { login_id: login, name, org_unit_id: unit, employment_type: 'regular' })
  const body = scopeId ? { user_id: u.id, role, scope_type: 'org_unit', scope_id: scopeId } : { user_id: u.id, role, scope_type: 'city' }
  const grant = await apiCall(admin, 'POST', '/role-assignments', body)
  if (grant.status === 202) {
    expect(approve, `${role} needs a second person, and the server has no approver`)
    await approve(grant.body.request_id, role)
  } else {
    expect(grant.status === 201, `granting ${role}: ${grant.status} ${JSON.stringify(grant.body)}`)
  }
  return { id: u.id, login, temp: u.temporary_password, name }
}

/** At the page's present (phone) size it does not scroll sideways (else "`what` scrolls
 *  sideways at 390 px"); photographed in both languages and checked with axe as `name`. */
export async function expectFitsPhone(page, name, what) {
  expect(!(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)), `${what} scrolls sideways at 390 px`)
  await shotBoth(page, name)
  await checkAxe(page, name)
}

/** The two closing steps of a walk: axe found nothing serious on any page photographed, and no
 *  page had a CSP violation or a script error. */
export async function finalChecks() {
  await step('every page passes axe (no serious or critical violation)', async () => {
    expect(axeViolations.length === 0, `\n  ${axeViolations.join('\n  ')}`)
  })
  await step('no CSP violation or script error in any page', async () => {
    expect(problems.length === 0, `\n  ${problems.join('\n  ')}`)
  })
}

/** A walk that failed with `error`: each page of `pages` (an array, or an object by name)
 *  photographed as FAILED-<index or name>.png, the error and the browser problems told; exit 1. */
export async function failWalk(browser, pages, error) {
  for (const [name, p] of Object.entries(pages)) {
    try {
      await p.screenshot({ path: path.join(SHOTS, `FAILED-${name}.png`), fullPage: true })
    } catch {
      /* the page may be gone */
    }
  }
  console.error(`\ne2e FAILED: ${error.message}`)
  if (problems.length) console.error(`browser problems:\n  ${problems.join('\n  ')}`)
  console.error(`screenshots: ${SHOTS}`)
  await browser.close()
  process.exit(1)
}

/** A walk that passed: the browser closed, the steps and screenshots counted. */
export async function passWalk(browser, name) {
  await browser.close()
  console.log(`\ne2e (${name}) passed: ${steps.length} steps; ${shotCount()} screenshots in ${SHOTS}`)
}

/** Runs a walk's `main`, telling a crash outside its steps (exit 1). */
export function runWalk(main) {
  main().catch((e) => {
    console.error(`e2e crashed: ${e.stack ?? e}`)
    process.exit(1)
  })
}

/** A page in a browser context of its own (`options`), waiting up to 20 s, watched for problems
 *  as `label` and added to `openPages` (photographed if the walk fails). */
export async function openWatchedPage(browser, options, label, openPages) {
  const ctx = await browser.newContext(options)
  const page = await ctx.newPage()
  page.setDefaultTimeout(20000)
  watch(page, label)
  openPages.push(page)
  return page
}
