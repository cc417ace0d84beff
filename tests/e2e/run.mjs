#!/usr/bin/env node
// Browser tests of the mamori web UI against a running `mamori serve`.
//
// playwright-core drives Debian's Chromium (/usr/bin/chromium, headless; the
// server's self-signed certificate is accepted). The walk: sign-in with the
// forced password change and TOTP enrolment, logout and the MFA step, the
// lockout message (identical to the wrong-password one), user creation,
// suspension, resumption, password reset and deletion, a role assignment, the
// operation log with its verify button and CSV export, what a person without
// permissions is offered, the idle-timeout return to login, keyboard use of
// dialogs, and no CSP violation or script error anywhere. Every page is
// photographed in Japanese and English.
//
// Environment:
//   MAMORI_URL              https://127.0.0.1:PORT (required)
//   MAMORI_ADMIN_LOGIN      the admin created by `mamori init` (required)
//   MAMORI_ADMIN_PASSWORD   its temporary password (required)
//   MAMORI_SCREENSHOTS      where to save screenshots (default /tmp/mamori-shots)
//   MAMORI_CHROMIUM         browser binary (default /usr/bin/chromium)
//   MAMORI_E2E_HEADED=1     show the browser (needs a display)
//
// Exit status 0 when every step passed; 1 with the failing step named otherwise.

import crypto from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'

const here = path.dirname(fileURLToPath(import.meta.url))
const ja = JSON.parse(fs.readFileSync(path.join(here, '../../web/src/locales/ja.json'), 'utf8'))
const en = JSON.parse(fs.readFileSync(path.join(here, '../../web/src/locales/en.json'), 'utf8'))

const BASE = (process.env.MAMORI_URL ?? '').replace(/\/+$/, '')
const ADMIN = process.env.MAMORI_ADMIN_LOGIN ?? ''
const ADMIN_TEMP = process.env.MAMORI_ADMIN_PASSWORD ?? ''
const SHOTS = process.env.MAMORI_SCREENSHOTS || '/tmp/mamori-shots'
const CHROMIUM = process.env.MAMORI_CHROMIUM || '/usr/bin/chromium'

if (!BASE || !ADMIN || !ADMIN_TEMP) {
  console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN and MAMORI_ADMIN_PASSWORD (the temporary password)')
  process.exit(2)
}

// ---------------------------------------------------------------- helpers

/** Message text from a locale file, with {placeholders} filled in. */
function msg(locale, key, params = {}) {
  const v = key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), locale)
  if (typeof v !== 'string') throw new Error(`no message ${key}`)
  return v.replace(/\{(\w+)\}/g, (_, k) => String(params[k] ?? `{${k}}`))
}

/** A password the pack's rules accept: long, four classes, random (no dictionary word). */
function strongPassword() {
  return `Mm-${crypto.randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}-7q`
}

function base32Decode(s) {
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
function totp(secret, step) {
  const msgBuf = Buffer.alloc(8)
  msgBuf.writeBigUInt64BE(BigInt(step))
  const h = crypto.createHmac('sha1', base32Decode(secret)).update(msgBuf).digest()
  const o = h[h.length - 1] & 0x0f
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

/**
 * A code for a time step later than `after` (the server never accepts a code
 * twice), waiting for the next 30 s step when needed; also avoids the last
 * 2 s of a step so the code is still current when it arrives.
 */
async function freshCode(secret, after = -1) {
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
async function shot(page, name) {
  shotNo += 1
  const lang = await page.evaluate(() => document.documentElement.lang)
  const file = path.join(SHOTS, `${String(shotNo).padStart(2, '0')}-${name}-${lang}.png`)
  await page.screenshot({ path: file, fullPage: true })
}

async function setLang(page, lang) {
  const current = await page.evaluate(() => document.documentElement.lang)
  if (current === lang) return
  await page.click(`[data-testid="lang-${lang}"]`)
  await page.waitForFunction((l) => document.documentElement.lang === l, lang)
}

/** Screenshots of the current page in Japanese and in English; leaves it in Japanese. */
async function shotBoth(page, name) {
  await setLang(page, 'ja')
  await page.waitForLoadState('networkidle').catch(() => {})
  await shot(page, name)
  await setLang(page, 'en')
  await shot(page, name)
  await setLang(page, 'ja')
}

/** A dialog photographed in both languages: opened, shot, closed with Escape, per language. */
async function shotDialogBoth(page, name, open) {
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

async function textOf(page, selector) {
  return (await page.locator(selector).first().innerText()).trim()
}

function expect(cond, message) {
  if (!cond) throw new Error(message)
}

async function expectText(page, selector, expected) {
  const loc = page.locator(selector).first()
  await loc.waitFor()
  const got = (await loc.innerText()).trim()
  expect(got === expected, `${selector}: expected "${expected}", got "${got}"`)
}

// Browser-side problems: any CSP violation or uncaught error fails the run.
const problems = []
function watch(page, label) {
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

const steps = []
async function step(name, fn) {
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

async function login(page, loginId, password) {
  await page.goto(`${BASE}/login`)
  await page.fill('[data-testid="login-id"]', loginId)
  await page.fill('[data-testid="login-password"]', password)
  await page.click('[data-testid="login-submit"]')
}

async function userRow(page, loginId) {
  return page.locator(`tr[data-login-id="${loginId}"]`)
}

async function searchUsers(page, q, status = '') {
  await page.goto(`${BASE}/users`)
  await page.fill('[data-testid="filter-q"]', q)
  await page.selectOption('[data-testid="filter-status"]', status)
  await page.click('[data-testid="filter-apply"]')
  await page.waitForLoadState('networkidle')
}

/** Creates a user through the dialog; returns the temporary password shown once. */
async function createUser(page, loginId, name, { shotName } = {}) {
  await page.goto(`${BASE}/users`)
  await page.click('[data-testid="user-create"]')
  await page.fill('[data-testid="new-login-id"]', loginId)
  await page.fill('[data-testid="new-name"]', name)
  // the first section-level option that is not the placeholder
  const options = await page.locator('[data-testid="new-org"] option:not([disabled])').evaluateAll((os) => os.map((o) => o.value))
  expect(options.length > 0, 'no organisation unit to choose')
  await page.selectOption('[data-testid="new-org"]', options[options.length - 1])
  await page.selectOption('[data-testid="new-employment"]', 'regular')
  if (shotName) await shot(page, shotName)
  await page.click('[data-testid="new-submit"]')
  const pw = page.locator('[data-testid="temp-password"]')
  await pw.waitFor({ timeout: 15000 }).catch(async () => {
    const err = await page.locator('[data-testid="error"]').allInnerTexts()
    throw new Error(`no temporary password shown; error: ${err.join(' / ')}`)
  })
  const temp = (await pw.innerText()).trim()
  expect(temp.length >= 8, `temporary password looks wrong: "${temp}"`)
  if (shotName) await shot(page, `${shotName}-temporary-password`)
  await page.click('[data-testid="temp-password-close"]')
  await page.waitForFunction(() => !document.querySelector('dialog[open]'))
  return temp
}

/** Runs a row action on a user (suspend/resume/reset/delete) through its confirmation dialog. */
async function userAction(page, loginId, action, { shotName } = {}) {
  await searchUsers(page, loginId)
  const row = await userRow(page, loginId)
  await row.locator(`[data-action="${action}"]`).click()
  await page.waitForSelector('dialog[open] [data-testid="confirm-ok"]')
  if (shotName) await shot(page, shotName)
  await page.click('dialog[open] [data-testid="confirm-ok"]')
}

async function statusOf(page, loginId) {
  await searchUsers(page, loginId)
  return textOf(page, `tr[data-login-id="${loginId}"] [data-testid="status"]`)
}

/** No password or token may be kept in storage or in the address bar. */
async function expectNoSecrets(page, secrets) {
  const stored = await page.evaluate(() => JSON.stringify({ l: { ...localStorage }, s: { ...sessionStorage }, u: location.href }))
  for (const s of secrets) expect(!stored.includes(s), 'a password was found in storage or in the URL')
}

/** Signs in a fresh account through the forced password change and TOTP enrolment. */
async function firstSignIn(page, loginId, temp, newPassword, { shots = false } = {}) {
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

// ---------------------------------------------------------------- the walk

async function main() {
  fs.mkdirSync(SHOTS, { recursive: true })
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f))

  const browser = await chromium.launch({
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
  // A browser far from Tokyo: every time on the page must still be JST.
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'America/Los_Angeles' }
  const ctx = await browser.newContext(contextOptions)
  const page = await ctx.newPage()
  page.setDefaultTimeout(20000)
  watch(page, 'admin')

  const adminPassword = strongPassword()
  const stamp = Date.now().toString(36)
  const lockUser = `e2e-lock-${stamp}`
  const opUser = `e2e-op-${stamp}`
  const plainUser = `e2e-plain-${stamp}`
  let admin = null
  let plainTemp = ''
  let lockTemp = ''
  let opTemp = ''
  let maxFailures = 5

  try {
    await step('login page, in Japanese by default, with English switch', async () => {
      await page.goto(`${BASE}/`)
      await page.waitForURL(/\/login$/)
      await expectText(page, 'h1', msg(ja, 'login.title'))
      expect((await page.getAttribute('[data-testid="login-password"]', 'type')) === 'password', 'password input is not masked')
      await shotBoth(page, 'login')
      await setLang(page, 'en')
      await page.reload()
      await expectText(page, 'h1', msg(en, 'login.title'))
      await setLang(page, 'ja')
    })

    await step('wrong password gets the invalid-credentials message', async () => {
      await login(page, ADMIN, `${ADMIN_TEMP}-wrong`)
      await expectText(page, '[data-testid="login-error"]', msg(ja, 'login.invalid'))
      expect(!page.url().includes('wrong'), 'password in URL')
      await shotBoth(page, 'login-invalid')
    })

    await step('admin first sign-in: forced password change (rules live) and TOTP enrolment', async () => {
      admin = await firstSignIn(page, ADMIN, ADMIN_TEMP, adminPassword, { shots: true })
      await expectNoSecrets(page, [ADMIN_TEMP, adminPassword])
    })

    await step('home shows the roles and what waits; navigation per permissions', async () => {
      await page.waitForSelector('[data-testid="tasks"], [data-testid="no-tasks"]')
      const nav = await page.locator('nav.main-nav a').allInnerTexts()
      for (const k of ['nav.home', 'nav.org', 'nav.users', 'nav.audit']) {
        expect(nav.map((s) => s.trim()).includes(msg(ja, k)), `navigation lacks ${msg(ja, k)}: ${nav.join(', ')}`)
      }
      await shotBoth(page, 'home-first')
    })

    await step('logout, then sign-in with the MFA step and the previous login shown', async () => {
      await page.click('[data-testid="logout"]')
      await page.waitForURL(/\/login$/)
      await expectText(page, '[data-testid="notice"]', msg(ja, 'login.logged_out'))
      await login(page, ADMIN, adminPassword)
      if (admin.secret) {
        await page.waitForURL(/\/mfa$/)
        await shotBoth(page, 'mfa-verify')
        const { code, step: s } = await freshCode(admin.secret, admin.lastStep)
        await page.fill('[data-testid="mfa-code"]', code)
        await page.click('[data-testid="mfa-submit"]')
        admin.lastStep = s
      }
      await page.waitForURL((u) => u.pathname === '/')
      const banner = page.locator('[data-testid="previous-login"]')
      await banner.waitFor()
      const text = await banner.innerText()
      expect(text.includes(msg(ja, 'home.previous_login').replace(/[：:]$/, '')), `previous login banner: ${text}`)
      expect(/令和\d+年|令和元年/.test(text), `previous login is not shown in 和暦: ${text}`)
      await shotBoth(page, 'home')
      await expectNoSecrets(page, [adminPassword])
    })

    await step('a reused TOTP code is refused', async () => {
      if (!admin.secret) return console.log('(no MFA in this pack)')
      // Same step as the one just used: the server must not accept it again.
      const ctx2 = await browser.newContext(contextOptions)
      const p2 = await ctx2.newPage()
      watch(p2, 'replay')
      await login(p2, ADMIN, adminPassword)
      await p2.waitForURL(/\/mfa$/)
      const now = Math.floor(Date.now() / 30000)
      if (now === admin.lastStep) {
        await p2.fill('[data-testid="mfa-code"]', totp(admin.secret, admin.lastStep))
        await p2.click('[data-testid="mfa-submit"]')
        await p2.waitForSelector('[data-testid="mfa-error"], [data-testid="error"]')
        expect(new URL(p2.url()).pathname === '/mfa', 'a reused code was accepted')
      } else {
        console.log('(step already moved on; replay not attempted)')
      }
      await ctx2.close()
    })

    await step('organisation tree', async () => {
      await page.click(`nav.main-nav a:has-text("${msg(ja, 'nav.org')}")`)
      await page.waitForSelector('[data-testid="org-tree"] li')
      await shotBoth(page, 'org')
      if (await page.locator('[data-testid="org-create"]').count()) {
        await shotDialogBoth(page, 'org-create-dialog', () => page.click('[data-testid="org-create"]'))
      }
    })

    await step('policy page', async () => {
      await page.goto(`${BASE}/policy`)
      await page.waitForSelector('.card')
      await shotBoth(page, 'policy')
      const text = await page.locator('main').innerText()
      const m = /(\d+)\s*回/.exec(text)
      if (m) maxFailures = Number(m[1])
    })

    await step('create users; the temporary password is shown once', async () => {
      await page.goto(`${BASE}/users`)
      await page.waitForSelector('[data-testid="users-table"], [data-testid="users-empty"]')
      await shotBoth(page, 'users')
      await shotDialogBoth(page, 'user-create-dialog', () => page.click('[data-testid="user-create"]'))
      lockTemp = await createUser(page, lockUser, 'ロック 試験', { shotName: 'user-create' })
      opTemp = await createUser(page, opUser, '操作 試験')
      plainTemp = await createUser(page, plainUser, '一般 職員')
      await expectNoSecrets(page, [lockTemp, opTemp, plainTemp])
      await searchUsers(page, stamp)
      expect((await page.locator('tr[data-login-id]').count()) === 3, 'the new users are not listed')
      await shotBoth(page, 'users-search')
    })

    await step(`lockout after the pack's failure count shows the wrong-password message`, async () => {
      const ctx3 = await browser.newContext(contextOptions)
      const p3 = await ctx3.newPage()
      watch(p3, 'lockout')
      const expected = msg(ja, 'login.invalid')
      for (let i = 0; i < maxFailures; i++) {
        await login(p3, lockUser, `${lockTemp}x${i}`)
        await expectText(p3, '[data-testid="login-error"]', expected)
      }
      // Now locked: even the right password gets exactly the same message.
      await login(p3, lockUser, lockTemp)
      await expectText(p3, '[data-testid="login-error"]', expected)
      expect(new URL(p3.url()).pathname === '/login', 'a locked account signed in')
      await shot(p3, 'login-locked')
      await ctx3.close()
      expect((await statusOf(page, lockUser)) === msg(ja, 'status.locked'), 'the user is not shown as locked')
    })

    await step('filters: status, section, role, not logged in for N days', async () => {
      await page.goto(`${BASE}/users?status=locked`)
      await page.waitForSelector(`tr[data-login-id="${lockUser}"]`)
      await shotBoth(page, 'users-locked')
      // The admin has just logged in: not among those idle for 30 days.
      await page.goto(`${BASE}/users?inactive_days=30`)
      await page.waitForSelector('[data-testid="users-table"], [data-testid="users-empty"]')
      expect((await page.locator(`tr[data-login-id="${ADMIN}"]`).count()) === 0, 'inactive filter lists a user who just logged in')
      await page.goto(`${BASE}/users?role=infrastructure_manager`)
      await page.waitForSelector(`tr[data-login-id="${ADMIN}"]`)
      expect((await page.locator(`tr[data-login-id="${opUser}"]`).count()) === 0, 'role filter did not filter')
    })

    await step('suspend and resume a user, with confirmation dialogs', async () => {
      // Escape closes the dialog without acting; focus stays inside while open.
      await searchUsers(page, opUser)
      await (await userRow(page, opUser)).locator('[data-action="suspend"]').click()
      await page.waitForSelector('dialog[open]')
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab')
        const inside = await page.evaluate(() => !!document.activeElement?.closest('dialog[open]'))
        expect(inside, 'focus left the dialog')
      }
      await page.keyboard.press('Escape')
      await page.waitForFunction(() => !document.querySelector('dialog[open]'))
      expect((await statusOf(page, opUser)) === msg(ja, 'status.active'), 'Escape acted instead of cancelling')

      await userAction(page, opUser, 'suspend', { shotName: 'user-suspend-confirm' })
      await page.waitForSelector('[data-testid="status-message"]')
      expect((await statusOf(page, opUser)) === msg(ja, 'status.suspended'), 'user not suspended')
      await shotBoth(page, 'users-suspended')
      await userAction(page, opUser, 'resume')
      await page.waitForSelector('[data-testid="status-message"]')
      expect((await statusOf(page, opUser)) === msg(ja, 'status.active'), 'user not resumed')
    })

    await step('reset a password (shown once) and delete an ID', async () => {
      await userAction(page, opUser, 'reset', { shotName: 'user-reset-confirm' })
      await page.waitForSelector('[data-testid="temp-password"]')
      await shot(page, 'user-reset-temporary-password')
      await page.click('[data-testid="temp-password-close"]')
      await userAction(page, opUser, 'delete', { shotName: 'user-delete-confirm' })
      await page.waitForSelector('[data-testid="status-message"]')
      expect((await statusOf(page, opUser)) === msg(ja, 'status.deleted'), 'user not deleted')
    })

    await step('user detail and a role assignment with scope and validity', async () => {
      await searchUsers(page, plainUser)
      await page.click(`tr[data-login-id="${plainUser}"] a`)
      await page.waitForURL(/\/users\/[^/]+$/)
      await page.waitForSelector('h1')
      await page.click('[data-testid="assign-add"]')
      await page.waitForSelector('dialog[open]')
      const roles = await page.locator('[data-testid="assign-role"] option').evaluateAll((os) => os.map((o) => o.value))
      const role = roles.includes('staff') ? 'staff' : roles[roles.length - 1]
      await page.selectOption('[data-testid="assign-role"]', role)
      const scopeSelect = page.locator('#a-scope')
      if (await scopeSelect.count()) {
        const units = await scopeSelect.locator('option:not([disabled])').evaluateAll((os) => os.map((o) => o.value))
        await scopeSelect.selectOption(units[units.length - 1])
      }
      await page.fill('#a-to', '2030-03-31')
      await shot(page, 'assignment-add')
      await page.click('[data-testid="assign-submit"]')
      await page.waitForSelector('[data-testid="assignments-table"] tbody tr')
      const row = await page.locator('[data-testid="assignments-table"] tbody tr').first().innerText()
      expect(row.includes('令和12年3月31日'), `validity not shown in 和暦: ${row}`)
      await shotBoth(page, 'user-detail')
    })

    await step('operation log: search, paging, verify, CSV export', async () => {
      await page.click(`nav.main-nav a:has-text("${msg(ja, 'nav.audit')}")`)
      await page.waitForSelector('[data-testid="audit-table"] tbody tr')
      await shotBoth(page, 'audit-log')
      await page.click('[data-testid="audit-verify"]')
      const res = page.locator('[data-testid="verify-result"]')
      await res.waitFor()
      expect((await res.getAttribute('data-ok')) === 'true', `verify failed: ${await res.innerText()}`)
      await shotBoth(page, 'audit-verified')

      await page.fill('[data-testid="audit-actor"]', ADMIN)
      await page.selectOption('[data-testid="audit-action"]', 'user.create')
      await page.click('[data-testid="audit-search"]')
      await page.waitForURL(/action=user\.create/)
      await page.waitForLoadState('networkidle')
      const rows = await page.locator('[data-testid="audit-table"] tbody tr').count()
      expect(rows >= 3, `expected the 3 user.create entries, got ${rows} rows`)
      await shot(page, 'audit-search')

      const href = await page.getAttribute('[data-testid="audit-export"]', 'href')
      expect(href.startsWith('/api/v1/audit-log/export'), `export link: ${href}`)
      const csv = await page.evaluate(async (h) => {
        const r = await fetch(h, { credentials: 'same-origin' })
        const b = new Uint8Array(await r.arrayBuffer())
        return { status: r.status, type: r.headers.get('content-type'), head: Array.from(b.slice(0, 3)), length: b.length }
      }, href)
      expect(csv.status === 200, `export answered ${csv.status}`)
      expect(/text\/csv/.test(csv.type ?? ''), `export content type ${csv.type}`)
      expect(csv.head.join(',') === '239,187,191', 'export has no UTF-8 BOM')
    })

    await step('tablet layout (768 px)', async () => {
      await page.setViewportSize({ width: 768, height: 1024 })
      await page.goto(`${BASE}/users`)
      await page.waitForSelector('[data-testid="users-table"]')
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)
      expect(!overflow, 'the page scrolls sideways at 768 px')
      await shotBoth(page, 'tablet-users')
      await page.goto(`${BASE}/`)
      await page.waitForSelector('h1')
      await shotBoth(page, 'tablet-home')
      await page.setViewportSize({ width: 1280, height: 900 })
    })

    let plain = null
    let plainPassword = strongPassword()
    await step('a person without permissions is offered only what they may do', async () => {
      const ctx4 = await browser.newContext(contextOptions)
      const p4 = await ctx4.newPage()
      watch(p4, 'plain')
      p4.setDefaultTimeout(20000)
      plain = await firstSignIn(p4, plainUser, plainTemp, plainPassword)
      await p4.waitForSelector('[data-testid="flash"], h1')
      const nav = (await p4.locator('nav.main-nav a').allInnerTexts()).map((s) => s.trim())
      expect(!nav.includes(msg(ja, 'nav.users')) && !nav.includes(msg(ja, 'nav.audit')), `navigation offers too much: ${nav.join(', ')}`)
      await shotBoth(p4, 'home-plain')
      await p4.goto(`${BASE}/audit-log`)
      await expectText(p4, 'h1', msg(ja, 'forbidden.title'))
      await shotBoth(p4, 'forbidden')
      // The server refuses too, whatever the page offers.
      const status = await p4.evaluate(async () => (await fetch('/api/v1/audit-log', { credentials: 'same-origin' })).status)
      expect(status === 403, `GET /api/v1/audit-log answered ${status} to a person without audit.read`)
      await ctx4.close()
    })

    await step('after a password reset, a person with MFA gives the code, then changes the password', async () => {
      await userAction(page, plainUser, 'reset')
      const pw = page.locator('[data-testid="temp-password"]')
      await pw.waitFor()
      const temp = (await pw.innerText()).trim()
      await page.click('[data-testid="temp-password-close"]')

      const ctx5 = await browser.newContext(contextOptions)
      const p5 = await ctx5.newPage()
      watch(p5, 'reset')
      p5.setDefaultTimeout(20000)
      await login(p5, plainUser, temp)
      if (plain.secret) {
        await p5.waitForURL(/\/mfa$/)
        const { code, step: s } = await freshCode(plain.secret, plain.lastStep)
        plain.lastStep = s
        await p5.fill('[data-testid="mfa-code"]', code)
        await p5.click('[data-testid="mfa-submit"]')
      }
      await p5.waitForURL(/\/password$/).catch(async () => {
        const err = await p5.locator('[data-testid="error"], [data-testid="mfa-error"]').allInnerTexts()
        throw new Error(`after the MFA code the password change did not follow (${new URL(p5.url()).pathname}): ${err.join(' / ')}`)
      })
      plainPassword = strongPassword()
      await p5.fill('[data-testid="pw-current"]', temp)
      await p5.fill('[data-testid="pw-new"]', plainPassword)
      await p5.fill('[data-testid="pw-confirm"]', plainPassword)
      await p5.click('[data-testid="pw-submit"]')
      await p5.waitForURL((u) => u.pathname === '/')
      await expectText(p5, '[data-testid="flash"]', msg(ja, 'password.changed'))
      await ctx5.close()
    })

    await step('an ended session returns to login with the idle message', async () => {
      await page.goto(`${BASE}/users`)
      await page.waitForSelector('[data-testid="users-table"]')
      await ctx.clearCookies()
      await page.click(`nav.main-nav a:has-text("${msg(ja, 'nav.org')}")`)
      await page.waitForURL(/\/login$/)
      await expectText(page, '[data-testid="notice"]', msg(ja, 'login.idle_logout'))
      await shotBoth(page, 'login-idle')
    })

    await step('unknown page', async () => {
      await page.goto(`${BASE}/no-such-page`)
      await expectText(page, 'h1', msg(ja, 'not_found.title'))
    })

    await step('no CSP violation or script error in any page', async () => {
      expect(problems.length === 0, `\n  ${problems.join('\n  ')}`)
    })
  } catch (e) {
    try {
      await page.screenshot({ path: path.join(SHOTS, 'FAILED.png'), fullPage: true })
    } catch {
      /* the page may be gone */
    }
    console.error(`\ne2e FAILED: ${e.message}`)
    if (problems.length) console.error(`browser problems:\n  ${problems.join('\n  ')}`)
    console.error(`screenshots: ${SHOTS}`)
    await browser.close()
    process.exit(1)
  }
  await browser.close()
  console.log(`\ne2e passed: ${steps.length} steps; ${shotNo} screenshots in ${SHOTS}`)
}

main().catch((e) => {
  console.error(`e2e crashed: ${e.stack ?? e}`)
  process.exit(1)
})
