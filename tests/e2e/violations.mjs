#!/usr/bin/env node
// Browser test of the violations register with the Kobe pack against the REAL server
// (kobe:9.7.2; docs/incidents.md "Violations and guidance", docs/registers.md "Effects").
//
// The walk: the admin and the approver sign in; through the API a section with a member of staff
// and its 情報管理者, and a 情報基盤管理者 (a second-person grant the approver approves). The
// 情報管理者 records a violation naming the staff member through the register's form, tells the
// person (本人へ通知). The staff member, in a browser of their own, finds the notice on the bell
// and the notifications page and opens the record addressed to them. The 情報管理者 records the
// guidance and reports it. The breach recurs: the second record shows one earlier record, and
// the 情報管理者 asks for the person's rights to be stopped (a note required). The 情報基盤管理者
// suspends the ID through the transition dialog; the staff member's session ends and their
// password no longer signs in. States are checked in Japanese, the history on the record page;
// pages are photographed at desktop and phone size; axe finds no serious violation and no script
// error occurs.
//
// Start it with a server of its own (Kobe pack: no MAMORI_POLICY):
//   MAMORI_E2E_SCRIPT=violations.mjs node tests/e2e/with-server.mjs build/mamori

import path from 'node:path'
import {
  BASE,
  SHOTS,
  apiCall,
  apiOk,
  axeViolations,
  checkAxe,
  eventually,
  expect,
  firstSignIn,
  ja,
  jstDate,
  launchBrowser,
  login,
  msg,
  prepareShots,
  problems,
  shotBoth,
  shotCount,
  shotInDialogBoth,
  step,
  steps,
  strongPassword,
  watch,
} from './lib.mjs'

const ADMIN = process.env.MAMORI_ADMIN_LOGIN ?? ''
const ADMIN_TEMP = process.env.MAMORI_ADMIN_PASSWORD ?? ''
const APPROVER = process.env.MAMORI_APPROVER_LOGIN ?? ''
const APPROVER_TEMP = process.env.MAMORI_APPROVER_PASSWORD ?? ''
if (!BASE || !ADMIN || !ADMIN_TEMP || !APPROVER || !APPROVER_TEMP) {
  console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN/PASSWORD and MAMORI_APPROVER_LOGIN/PASSWORD (the Kobe pack)')
  process.exit(2)
}

async function historyTexts(page) {
  return (await page.locator('[data-testid="record-history"] li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim())
}

async function stateOf(page) {
  return (await page.locator('.page-head [data-testid="status"]').innerText()).trim()
}

/** Takes `action` on the record page through its dialog; `fill` fills it in. */
async function take(page, action, fill = async () => {}) {
  await page.click(`[data-testid="record-actions"] [data-action="${action}"]`)
  await page.waitForSelector('dialog[open] [data-testid="transition-form"]')
  await fill()
  await page.click('dialog[open] [data-testid="transition-submit"]')
  await page.waitForSelector('dialog[open]', { state: 'detached' })
}

/** The actions the record page offers. */
async function actionsOf(page) {
  return page.locator('[data-testid="record-actions"] [data-action]').evaluateAll((es) => es.map((e) => e.dataset.action).sort())
}

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' }
  const openPages = []
  const newPage = async (label) => {
    const ctx = await browser.newContext(contextOptions)
    const p = await ctx.newPage()
    p.setDefaultTimeout(20000)
    watch(p, label)
    openPages.push(p)
    return p
  }
  const stamp = Date.now().toString(36)
  const people = {}
  const ACT1 = 'パスワードを付箋で端末に掲示'
  const ACT2 = 'パスワードを再び付箋で掲示'
  let firstId = ''
  let secondId = ''
  let staffPassword = ''

  try {
    const admin = await newPage('admin')
    const approver = await newPage('approver')
    await step('the admin and the approver sign in', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
      await firstSignIn(approver, APPROVER, APPROVER_TEMP, strongPassword())
    })

    await step('set-up through the API: a section, its staff and 情報管理者, a 情報基盤管理者', async () => {
      const units = await apiOk(admin, 'GET', '/org-units?per_page=1000')
      const city = units.items.find((u) => u.kind === 'city')
      const bureau = await apiOk(admin, 'POST', '/org-units', { code: `VB${stamp}`, name: '市民局', kind: 'bureau', parent_id: city.id })
      const section = await apiOk(admin, 'POST', '/org-units', { code: `VS${stamp}`, name: '市民課', kind: 'section', parent_id: bureau.id })
      const make = async (key, name, unit, role, scopeType) => {
        const login = `e2e-vl-${key}-${stamp}`
        const u = await apiOk(admin, 'POST', '/users', { login_id: login, name, org_unit_id: unit, employment_type: 'regular' })
        const body = { user_id: u.id, role, scope_type: scopeType }
        if (scopeType === 'org_unit') body.scope_id = unit
        const grant = await apiCall(admin, 'POST', '/role-assignments', body)
        if (grant.status === 202) await apiOk(approver, 'POST', `/requests/${grant.body.request_id}/approve`, {})
        else expect(grant.status === 201, `grant ${role}: ${grant.status} ${JSON.stringify(grant.body)}`)
        people[key] = { id: u.id, login, temp: u.temporary_password, name }
      }
      await make('staff', '山本 一郎', section.id, 'staff', 'org_unit')
      await make('chief', '中村 和子', section.id, 'information_manager', 'org_unit')
      await make('idadmin', '小林 健', city.id, 'infrastructure_manager', 'city')
      people.section = section.id
    })

    const chief = await newPage('chief')
    const staff = await newPage('staff')
    const idadmin = await newPage('idadmin')

    await step('the 情報管理者 records a violation naming the staff member through the form', async () => {
      await firstSignIn(chief, people.chief.login, people.chief.temp, strongPassword())
      const entry = chief.locator('nav.main-nav a[data-register="violations"]')
      await entry.waitFor()
      expect((await entry.innerText()).trim() === '違反・指導の記録', `the menu entry reads "${await entry.innerText()}"`)
      await entry.click()
      await chief.waitForURL(/\/r\/violations$/)
      await chief.click('[data-testid="register-create"]')
      await chief.waitForSelector('dialog[open] [data-testid="register-form"]')
      for (const f of ['guidance', 'other_measures']) {
        expect((await chief.locator(`dialog[open] [data-field="${f}"]`).count()) === 0, `the read-only field ${f} is offered in the form`)
      }
      await chief.fill('dialog[open] [data-testid="field-act"]', ACT1)
      await chief.selectOption('dialog[open] [data-testid="field-owner_org_unit_id"]', people.section)
      const person = chief.locator('dialog[open] [data-testid="field-person"]')
      await eventually(async () => (await person.locator(`option[value="${people.staff.id}"]`).count()) === 1, 'the person list does not offer the staff member')
      expect((await person.locator(`option[value="${people.staff.id}"]`).innerText()).includes(people.staff.name), 'the person is not offered by name')
      await person.selectOption(people.staff.id)
      await chief.fill('dialog[open] [data-testid="field-occurred_on"]', jstDate(-3))
      await chief.fill('dialog[open] [data-testid="field-rule_clause"]', 'kobe:7.4.3')
      await chief.fill('dialog[open] [data-testid="field-details"]', '離席中の端末の画面にパスワードを記した付箋が貼られていた')
      await shotInDialogBoth(chief, 'violations-form')
      await chief.click('[data-testid="register-submit"]')
      await chief.waitForSelector('dialog[open]', { state: 'detached' })
      const row = chief.locator('[data-testid="register-table"] tbody tr', { hasText: ACT1 })
      await row.waitFor()
      const text = (await row.innerText()).replace(/\s+/g, ' ')
      for (const want of [people.staff.name, '市民課', '記録済']) expect(text.includes(want), `the list row lacks ${want}: ${text}`)
      firstId = await row.getAttribute('data-record-id')
      expect(/^[0-9a-f]{32}$/.test(firstId ?? ''), `record id: ${firstId}`)
      await shotBoth(chief, 'violations-list')
      await checkAxe(chief, 'violations-list')
    })

    await step('the record page: 記録済, no earlier record, the history; the 情報管理者 tells the person', async () => {
      await chief.goto(`${BASE}/r/violations/${firstId}`)
      await chief.waitForSelector('[data-testid="record-history"] li')
      expect((await stateOf(chief)) === '記録済', `state: ${await stateOf(chief)}`)
      expect((await chief.locator('[data-field="repeat_count"]').innerText()).trim() === msg(ja, 'violate.repeat_count_value', { count: 0 }), 'the first record counts an earlier one')
      const actions = await actionsOf(chief)
      expect(actions.includes('notify_person') && !actions.includes('request_suspension') && !actions.includes('suspend_id'), `actions offered: ${actions.join(',')}`)
      await take(chief, 'notify_person')
      await eventually(async () => (await stateOf(chief)) === '本人通知済', 'the record did not become 本人通知済')
      await eventually(async () => (await historyTexts(chief)).length === 2, async () => `history: ${(await historyTexts(chief)).join(' | ')}`)
      expect((await historyTexts(chief))[1].includes('本人へ通知'), `the notice is not in the history: ${(await historyTexts(chief)).join(' | ')}`)
      await shotBoth(chief, 'violations-notified')
      await checkAxe(chief, 'violations-notified')
    })

    await step('the staff member sees the notice addressed to them on the bell and opens the record', async () => {
      staffPassword = strongPassword()
      await firstSignIn(staff, people.staff.login, people.staff.temp, staffPassword)
      await staff.waitForSelector('[data-testid="notification-count"]')
      expect(Number(await staff.locator('[data-testid="notification-count"]').innerText()) >= 1, 'the bell counts no unread notice')
      await staff.click('[data-testid="notification-bell"]')
      await staff.waitForURL(/\/notifications$/)
      const notice = staff.locator('[data-testid="notifications-list"] li', { hasText: ACT1 })
      await notice.waitFor()
      await shotBoth(staff, 'violations-notice')
      await checkAxe(staff, 'violations-notice')
      await notice.locator('[data-testid="notification-open"]').click()
      await staff.waitForURL(new RegExp(`/r/violations/${firstId}$`))
      await staff.waitForSelector('[data-testid="record-title"]')
      expect((await stateOf(staff)) === '本人通知済', `the person sees the state as ${await stateOf(staff)}`)
      expect((await staff.locator('[data-field="person"]').innerText()).includes(people.staff.name), 'the record does not name the person')
      expect((await staff.locator('[data-testid="record-actions"] [data-action]').count()) === 0, 'the person is offered an action on their own violation')
      expect((await staff.locator('[data-testid="record-edit"]').count()) === 0, 'the person is offered to edit the record')
      await shotBoth(staff, 'violations-person-view')
    })

    await step('the 情報管理者 records the guidance and reports it (指導済, then 報告済); no suspension for a first breach', async () => {
      await chief.reload()
      await chief.waitForSelector('[data-testid="record-actions"]')
      await take(chief, 'give_guidance', async () => {
        await chief.fill('dialog[open] [data-testid="field-guidance"]', 'パスワードの管理について個別に指導した')
        await shotInDialogBoth(chief, 'violations-guidance')
      })
      await eventually(async () => (await stateOf(chief)) === '指導済', 'the record did not become 指導済')
      expect((await actionsOf(chief)).includes('request_suspension') === false, 'a first breach offers suspension')
      await take(chief, 'report')
      await eventually(async () => (await stateOf(chief)) === '情報セキュリティ管理者へ報告済', 'the record did not become 報告済')
      expect((await actionsOf(chief)).includes('request_suspension') === false, 'a first breach offers suspension after the report')
      expect((await chief.locator('[data-field="guidance"]').innerText()).includes('個別に指導'), 'the guidance is not shown on the record')
      await eventually(async () => (await historyTexts(chief)).length === 4, async () => `history: ${(await historyTexts(chief)).join(' | ')}`)
    })

    await step('the breach recurs: the second record shows one earlier record; the 情報管理者 asks for the suspension', async () => {
      await chief.goto(`${BASE}/r/violations`)
      await chief.click('[data-testid="register-create"]')
      await chief.waitForSelector('dialog[open] [data-testid="register-form"]')
      await chief.fill('dialog[open] [data-testid="field-act"]', ACT2)
      await chief.selectOption('dialog[open] [data-testid="field-owner_org_unit_id"]', people.section)
      const person = chief.locator('dialog[open] [data-testid="field-person"]')
      await eventually(async () => (await person.locator(`option[value="${people.staff.id}"]`).count()) === 1, 'the person list does not offer the staff member')
      await person.selectOption(people.staff.id)
      await chief.fill('dialog[open] [data-testid="field-occurred_on"]', jstDate(0))
      await chief.fill('dialog[open] [data-testid="field-rule_clause"]', 'kobe:7.4.3')
      await chief.click('[data-testid="register-submit"]')
      await chief.waitForSelector('dialog[open]', { state: 'detached' })
      const row = chief.locator('[data-testid="register-table"] tbody tr', { hasText: ACT2 })
      await row.waitFor()
      secondId = await row.getAttribute('data-record-id')
      await chief.goto(`${BASE}/r/violations/${secondId}`)
      await chief.waitForSelector('[data-field="repeat_count"]')
      expect((await chief.locator('[data-field="repeat_count"]').innerText()).trim() === msg(ja, 'violate.repeat_count_value', { count: 1 }), 'the second record does not count the first')
      await take(chief, 'notify_person')
      await eventually(async () => (await stateOf(chief)) === '本人通知済', 'the second record did not become 本人通知済')
      await take(chief, 'give_guidance', async () => {
        await chief.fill('dialog[open] [data-testid="field-guidance"]', '再度の指導')
      })
      await eventually(async () => (await actionsOf(chief)).includes('request_suspension'), 'a repeated breach does not offer the request for suspension')
      // A note is required: the dialog names it before anything changes.
      await chief.click('[data-testid="record-actions"] [data-action="request_suspension"]')
      await chief.waitForSelector('dialog[open] [data-testid="transition-form"]')
      await chief.click('dialog[open] [data-testid="transition-submit"]')
      await chief.waitForSelector('dialog[open] [data-testid="field-error"], dialog[open] [role="alert"]')
      expect((await stateOf(chief)) === '指導済', 'the record moved without its note')
      await chief.fill('dialog[open] [data-testid="transition-note"]', '指導後も改善されないため使用権の停止を依頼')
      await shotInDialogBoth(chief, 'violations-request-suspension')
      await chief.click('dialog[open] [data-testid="transition-submit"]')
      await chief.waitForSelector('dialog[open]', { state: 'detached' })
      await eventually(async () => (await stateOf(chief)) === '使用権の停止依頼中', 'the record did not become 使用権の停止依頼中')
      const actions = await actionsOf(chief)
      expect(!actions.includes('suspend_id') && !actions.includes('revoke_rights'), `the 情報管理者 is offered to stop the rights: ${actions.join(',')}`)
      await shotBoth(chief, 'violations-suspension-requested')
      await checkAxe(chief, 'violations-suspension-requested')
    })

    await step('the 情報基盤管理者 suspends the ID through the transition dialog', async () => {
      await firstSignIn(idadmin, people.idadmin.login, people.idadmin.temp, strongPassword())
      await idadmin.goto(`${BASE}/r/violations/${secondId}`)
      await idadmin.waitForSelector('[data-testid="record-actions"] [data-action="suspend_id"]')
      expect((await stateOf(idadmin)) === '使用権の停止依頼中', `state: ${await stateOf(idadmin)}`)
      await take(idadmin, 'suspend_id', async () => {
        await shotInDialogBoth(idadmin, 'violations-suspend-dialog')
      })
      await eventually(async () => (await stateOf(idadmin)) === 'ID停止済', 'the record did not become ID停止済')
      expect((await idadmin.locator('[data-testid="record-actions"] [data-action]').count()) === 0, 'a final record still offers actions')
      // The record and its history load apart: wait for the history to show the new step.
      await eventually(async () => (await historyTexts(idadmin)).length === 5, async () => `history of the second record: ${(await historyTexts(idadmin)).join(' | ')}`)
      const hist = await historyTexts(idadmin)
      for (const want of ['本人へ通知', '指導を記録', '使用権の停止を依頼', 'IDを停止']) {
        expect(hist.some((h) => h.includes(want)), `the history lacks ${want}: ${hist.join(' | ')}`)
      }
      expect(hist.some((h) => h.includes(people.idadmin.name)), `the history does not name the 情報基盤管理者: ${hist.join(' | ')}`)
      const user = await apiOk(admin, 'GET', `/users/${people.staff.id}`)
      expect(user.status === 'suspended', `the staff member's ID is ${user.status}`)
      await shotBoth(idadmin, 'violations-suspended')
      await checkAxe(idadmin, 'violations-suspended')
      await idadmin.setViewportSize({ width: 390, height: 844 })
      await idadmin.reload()
      await idadmin.waitForSelector('[data-testid="record-history"] li')
      expect(!(await idadmin.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)), 'the record page scrolls sideways at 390 px')
      await shotBoth(idadmin, 'phone-violations-suspended')
      await checkAxe(idadmin, 'phone-violations-suspended')
    })

    await step("the staff member's session has ended and their password no longer signs in", async () => {
      const bell = await apiCall(staff, 'GET', '/notifications')
      expect(bell.status === 401, `the suspended person's session still answers ${bell.status}`)
      await login(staff, people.staff.login, staffPassword)
      await staff.waitForSelector('[data-testid="login-error"]')
      expect((await staff.locator('[data-testid="login-error"]').innerText()).trim() === msg(ja, 'login.invalid'), 'the refusal reads otherwise')
      expect(new URL(staff.url()).pathname === '/login', `the suspended person reached ${staff.url()}`)
      await shotBoth(staff, 'violations-signin-refused')
    })

    await step('every page passes axe (no serious or critical violation)', async () => {
      expect(axeViolations.length === 0, `\n  ${axeViolations.join('\n  ')}`)
    })
    await step('no CSP violation or script error in any page', async () => {
      expect(problems.length === 0, `\n  ${problems.join('\n  ')}`)
    })
  } catch (e) {
    for (const [i, p] of openPages.entries()) {
      try {
        await p.screenshot({ path: path.join(SHOTS, `FAILED-${i}.png`), fullPage: true })
      } catch {
        /* the page may be gone */
      }
    }
    console.error(`\ne2e FAILED: ${e.message}`)
    if (problems.length) console.error(`browser problems:\n  ${problems.join('\n  ')}`)
    console.error(`screenshots: ${SHOTS}`)
    await browser.close()
    process.exit(1)
  }
  await browser.close()
  console.log(`\ne2e (violations) passed: ${steps.length} steps; ${shotCount()} screenshots in ${SHOTS}`)
}

main().catch((e) => {
  console.error(`e2e crashed: ${e.stack ?? e}`)
  process.exit(1)
})
