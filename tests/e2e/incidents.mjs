#!/usr/bin/env node
// Browser test of an incident's first hops with the Kobe pack (docs/incidents.md, docs/registers.md
// "Escalation, tasks and reporters"), against the REAL server: a member of staff reports through
// the shell's 「…インシデントを報告」 button (kobe:7.3.1ア), which every page carries, and finds the
// report under 「自分の報告」; the section's 情報管理者 sees it on the home page's task list and
// acknowledges it (kobe:7.3.1イ); the 情報セキュリティ管理者 takes it from their home page
// (kobe:7.3.1オ); the CSIRT triages it (kobe:7.3.3ア) and the security manager closes it. The home
// pages and the report are photographed in Japanese and English, at desktop and phone size;
// axe-core finds no serious violation, and no script error or CSP violation occurs.
//
// Start it with a server of its own (Kobe pack: no MAMORI_POLICY):
//   MAMORI_E2E_SCRIPT=incidents.mjs node tests/e2e/with-server.mjs build/mamori

import {
  ADMIN,
  ADMIN_TEMP,
  APPROVER,
  APPROVER_TEMP,
  BASE,
  apiOk,
  createPerson,
  createSection,
  expect,
  expectText,
  failWalk,
  finalChecks,
  firstSignIn,
  ja,
  launchBrowser,
  msg,
  passWalk,
  prepareShots,
  requireServer,
  runWalk,
  shotBoth,
  shotInDialogBoth,
  step,
  strongPassword,
  watch,
} from './lib.mjs'

requireServer()

const TITLE = 'USBメモリの紛失（住民名簿）'
const REPORT_LABEL = msg(ja, 'mytasks.report', { title: '情報セキュリティインシデント' })

/** The home page's task for record `id`, once the list has arrived. */
async function homeTask(page, id) {
  await page.goto(`${BASE}/`)
  await page.waitForSelector('[data-testid="my-tasks"] .task, [data-testid="no-my-tasks"]')
  return page.locator(`[data-testid="my-tasks"] li[data-record="${id}"]`)
}

/** Takes `action` on the record page through its dialog. */
async function take(page, action, fill = async () => {}) {
  await page.click(`[data-testid="record-actions"] [data-action="${action}"]`)
  await page.waitForSelector('dialog[open] [data-testid="transition-form"]')
  await fill()
  await page.click('dialog[open] [data-testid="transition-submit"]')
  await page.waitForSelector('dialog[open]', { state: 'detached' })
}

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' }
  const pages = {}
  const open = async (name) => {
    const ctx = await browser.newContext(contextOptions)
    const p = await ctx.newPage()
    p.setDefaultTimeout(20000)
    watch(p, name)
    pages[name] = p
    return p
  }
  const stamp = Date.now().toString(36)
  const people = {}
  let sectionId = ''
  let recordId = ''

  try {
    const admin = await open('admin')
    await step('the admin signs in and sets up a section, its staff and 情報管理者, the security manager and a CSIRT member', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
      const { city, section } = await createSection(admin, { prefix: 'I', stamp, bureauName: '市民局', sectionName: '住民課' })
      sectionId = section.id
      let approver = null
      const approve = async (requestId, role) => {
        expect(APPROVER, `${role} needs a second person, and the server has no approver`)
        if (!approver) {
          approver = await open('approver')
          await firstSignIn(approver, APPROVER, APPROVER_TEMP, strongPassword())
        }
        await apiOk(approver, 'POST', `/requests/${requestId}/approve`, {})
      }
      for (const [key, name, role, unit] of [
        ['staff', '山田 花子', 'staff', sectionId],
        ['chief', '佐藤 一郎', 'information_manager', sectionId],
        ['secmgr', '鈴木 次郎', 'security_manager', null],
        ['csirt', '高橋 三郎', 'csirt', null],
      ]) {
        people[key] = await createPerson(admin, { login: `e2e-${key}-${stamp}`, name, unit: unit ?? city.id, role, scopeId: unit, approve })
      }
    })

    const staff = await open('staff')
    await step('the staff member signs in: the shell offers the report button and 「自分の報告」', async () => {
      await firstSignIn(staff, people.staff.login, people.staff.temp, strongPassword())
      const button = staff.locator('[data-testid="report-button"][data-report="incidents"]')
      await button.waitFor()
      expect((await button.innerText()).trim() === REPORT_LABEL, `the button reads "${await button.innerText()}"`)
      await staff.locator('nav.main-nav a[data-my-reports="incidents"]').waitFor()
      await shotBoth(staff, 'incidents-staff-home')
    })

    await step('the staff member reports from another page: button, form, save — then submits on the report page', async () => {
      await staff.goto(`${BASE}/sessions`)
      await staff.click('[data-testid="report-button"][data-report="incidents"]')
      await staff.waitForSelector('dialog[open] [data-testid="register-form"]')
      await staff.fill('dialog[open] [data-testid="field-title"]', TITLE)
      await staff.selectOption('dialog[open] [data-testid="field-owner_org_unit_id"]', sectionId)
      await staff.fill('dialog[open] [data-testid="field-discovered_at"]', '2026-12-01T09:30')
      await staff.fill('dialog[open] [data-testid="field-details"]', '庁舎外でUSBメモリを紛失した。住民120名分の氏名・住所を含む。')
      await shotInDialogBoth(staff, 'incidents-report-form')
      await staff.click('dialog[open] [data-testid="register-submit"]')
      await staff.waitForURL(/\/r\/incidents\/[0-9a-f]{32}$/)
      recordId = staff.url().split('/').pop()
      await expectText(staff, '[data-testid="record-title"]', TITLE)
      await take(staff, 'submit')
      await expectText(staff, '.page-head [data-testid="status"]', '報告済（情報管理者の確認待ち）')
      await shotBoth(staff, 'incidents-reported')
    })

    await step('「自分の報告」 lists the report for its reporter, who reads no one else\'s', async () => {
      await staff.click('nav.main-nav a[data-my-reports="incidents"]')
      await staff.waitForURL(/\/r\/incidents$/)
      const rows = staff.locator('[data-testid="register-table"] tbody tr')
      await rows.first().waitFor()
      expect((await rows.count()) === 1, `the reporter's list holds ${await rows.count()} rows`)
      expect((await rows.first().innerText()).includes(TITLE), 'the report is not in the reporter\'s list')
    })

    const chief = await open('chief')
    await step('the 情報管理者 sees the report on the home page and acknowledges it', async () => {
      await firstSignIn(chief, people.chief.login, people.chief.temp, strongPassword())
      const task = await homeTask(chief, recordId)
      await task.waitFor()
      const text = (await task.innerText()).replace(/\s+/g, ' ')
      for (const want of [TITLE, '報告済', '確認して情報セキュリティ管理者へ報告']) expect(text.includes(want), `the task lacks ${want}: ${text}`)
      await shotBoth(chief, 'incidents-chief-home')
      await chief.setViewportSize({ width: 390, height: 844 })
      await shotBoth(chief, 'incidents-chief-home-phone')
      await chief.setViewportSize({ width: 1280, height: 900 })
      await task.locator('a.btn').click()
      await chief.waitForURL(new RegExp(`/r/incidents/${recordId}$`))
      await take(chief, 'acknowledge')
      await expectText(chief, '.page-head [data-testid="status"]', '情報管理者確認済（情報セキュリティ管理者の受付待ち）')
      expect((await (await homeTask(chief, recordId)).count()) === 0, 'the acknowledged report is still the chief\'s task')
    })

    const secmgr = await open('secmgr')
    await step('the security manager takes it from the home page', async () => {
      await firstSignIn(secmgr, people.secmgr.login, people.secmgr.temp, strongPassword())
      const task = await homeTask(secmgr, recordId)
      await task.waitFor()
      await task.locator('a.btn').click()
      await secmgr.waitForURL(new RegExp(`/r/incidents/${recordId}$`))
      await take(secmgr, 'receive')
      await expectText(secmgr, '.page-head [data-testid="status"]', '情報セキュリティ管理者受付（CSIRT評価待ち）')
    })

    const csirt = await open('csirt')
    await step('the CSIRT triages it (not an incident), and the security manager closes it', async () => {
      await firstSignIn(csirt, people.csirt.login, people.csirt.temp, strongPassword())
      const task = await homeTask(csirt, recordId)
      await task.waitFor()
      await task.locator('a.btn').click()
      await csirt.waitForURL(new RegExp(`/r/incidents/${recordId}$`))
      await take(csirt, 'triage', async () => {
        await csirt.locator('dialog[open] [data-field="is_incident"] select').selectOption('no')
      })
      await expectText(csirt, '.page-head [data-testid="status"]', 'CSIRT評価済')
      await secmgr.goto(`${BASE}/r/incidents/${recordId}`)
      await take(secmgr, 'close')
      await expectText(secmgr, '.page-head [data-testid="status"]', '終了')
      await shotBoth(secmgr, 'incidents-closed')
      // The reporter still reads their closed report.
      await staff.goto(`${BASE}/r/incidents/${recordId}`)
      await expectText(staff, '.page-head [data-testid="status"]', '終了')
    })
    await finalChecks()
  } catch (e) {
    await failWalk(browser, pages, e)
  }
  await passWalk(browser, 'incidents')
}

runWalk(main)
