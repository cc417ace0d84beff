#!/usr/bin/env node
// Browser test of an incident's sub-records with the Kobe pack against the REAL server
// (docs/registers.md "Sub-records", docs/incidents.md "Instructions and external reports").
//
// The walk: the admin and the approver sign in; through the API a section with a member of staff
// and its 情報管理者, and a 情報セキュリティ管理者 (a second-person grant the approver approves).
// The staff member reports an incident (API). The security manager opens the incident's page and
// finds two panels, 応急措置・復旧の指示 and 外部への報告, both empty; adds an instruction for the
// section's chief through the panel's form; adds a report to 総務省 and records it sent through the
// transition dialog (報告済, stamped). An instruction past its due date shows the overdue mark.
// The chief opens the incident, sees the instructions and reports one done from the panel. The
// pages are photographed in Japanese and English and at phone size; axe finds no serious
// violation and no script error occurs.
//
// Start it with a server of its own (Kobe pack: no MAMORI_POLICY):
//   MAMORI_E2E_SCRIPT=incident_followup.mjs node tests/e2e/with-server.mjs build/mamori

import {
  ADMIN,
  ADMIN_TEMP,
  APPROVER,
  APPROVER_TEMP,
  BASE,
  apiOk,
  checkAxe,
  createPerson,
  createSection,
  eventually,
  expect,
  expectFitsPhone,
  failWalk,
  finalChecks,
  firstSignIn,
  ja,
  jstDate,
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
} from './lib.mjs'

requireServer({ approver: true })

const panel = (page, register) => page.locator(`[data-children="${register}"]`)

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo' }
  const openPages = []
  const newPage = async () => {
    const ctx = await browser.newContext(contextOptions)
    const p = await ctx.newPage()
    p.setDefaultTimeout(20000)
    openPages.push(p)
    return p
  }
  const stamp = Date.now().toString(36)
  const people = {}
  let incidentId = ''
  const instruction = '誤送信先へ削除を依頼し結果を報告'

  try {
    const admin = await newPage()
    const approver = await newPage()
    await step('the admin and the approver sign in', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
      await firstSignIn(approver, APPROVER, APPROVER_TEMP, strongPassword())
    })

    await step('set-up through the API: a section, its staff and 情報管理者, a 情報セキュリティ管理者', async () => {
      const { city, section } = await createSection(admin, { prefix: 'F', stamp, bureauName: '市民局', sectionName: '住民課' })
      const approve = (requestId) => apiOk(approver, 'POST', `/requests/${requestId}/approve`, {})
      const make = async (key, name, unit, role, scopeType) => {
        const scopeId = scopeType === 'org_unit' ? unit : null
        people[key] = await createPerson(admin, { login: `e2e-fu-${key}-${stamp}`, name, unit, role, scopeId, approve })
      }
      await make('staff', '田中 花子', section.id, 'staff', 'org_unit')
      await make('chief', '鈴木 次郎', section.id, 'information_manager', 'org_unit')
      await make('secmgr', '高橋 三郎', city.id, 'security_manager', 'city')
      people.section = section.id
    })

    const staff = await newPage()
    const secmgr = await newPage()
    const chief = await newPage()
    await step('the staff member reports an incident (API)', async () => {
      await firstSignIn(staff, people.staff.login, people.staff.temp, strongPassword())
      const draft = await apiOk(staff, 'POST', '/incidents', { title: '住民宛メールの誤送信', owner_org_unit_id: people.section })
      incidentId = draft.id
      await apiOk(staff, 'POST', `/incidents/${incidentId}/transitions/submit`, {
        fields: { discovered_at: '2026-11-30T09:30:00+09:00', details: '住民12名宛のメールを別の宛先へ送信した' },
      })
    })

    await step("the security manager finds the incident's two panels, both empty", async () => {
      await firstSignIn(secmgr, people.secmgr.login, people.secmgr.temp, strongPassword())
      await secmgr.goto(`${BASE}/r/incidents/${incidentId}`)
      await panel(secmgr, 'incident_instructions').locator('[data-testid="child-empty"]').waitFor()
      await panel(secmgr, 'incident_external_reports').locator('[data-testid="child-empty"]').waitFor()
      expect((await panel(secmgr, 'incident_instructions').locator('h2').innerText()).trim() === '応急措置・復旧の指示', 'the instructions panel is not titled by the pack')
      await shotBoth(secmgr, 'followup-empty')
      await checkAxe(secmgr, 'followup-empty')
    })

    await step('the security manager adds an instruction for the section chief through the panel', async () => {
      await panel(secmgr, 'incident_instructions').locator('[data-testid="child-add"]').click()
      await secmgr.waitForSelector('dialog[open] [data-testid="register-form"]')
      expect((await secmgr.locator('dialog[open] [data-field="incident_id"]').count()) === 0, 'the parent field is offered in the form')
      await secmgr.fill('dialog[open] [data-testid="field-instruction"]', instruction)
      await secmgr.selectOption('dialog[open] [data-testid="field-owner_org_unit_id"]', people.section)
      await secmgr.selectOption('dialog[open] [data-testid="field-owner_user_id"]', people.chief.id)
      await secmgr.fill('dialog[open] [data-testid="field-due_on"]', jstDate(7))
      await shotInDialogBoth(secmgr, 'followup-add-instruction')
      await secmgr.click('[data-testid="register-submit"]')
      await secmgr.waitForSelector('dialog[open]', { state: 'detached' })
      const row = panel(secmgr, 'incident_instructions').locator('tbody tr', { hasText: instruction })
      await row.waitFor()
      const text = (await row.innerText()).replace(/\s+/g, ' ')
      for (const want of ['住民課', '鈴木 次郎', '対応中']) expect(text.includes(want), `the instruction row lacks ${want}: ${text}`)
      expect((await row.getAttribute('data-overdue')) === 'false', 'a new instruction is marked overdue')
    })

    await step('the security manager adds a report to 総務省 and records it sent (stamped who and when)', async () => {
      await panel(secmgr, 'incident_external_reports').locator('[data-testid="child-add"]').click()
      await secmgr.waitForSelector('dialog[open] [data-testid="register-form"]')
      const authority = secmgr.locator('dialog[open] [data-field="authority"]')
      if ((await authority.locator('input[type="radio"]').count()) > 0) await authority.locator('input[type="radio"][value="mic"]').check()
      else await secmgr.selectOption('dialog[open] [data-testid="field-authority"]', 'mic')
      await secmgr.click('[data-testid="register-submit"]')
      await secmgr.waitForSelector('dialog[open]', { state: 'detached' })
      const row = panel(secmgr, 'incident_external_reports').locator('tbody tr', { hasText: '総務省' })
      await row.waitFor()
      expect((await row.innerText()).includes('未報告'), 'the new report is not pending')
      await row.locator('[data-action="send"]').click()
      await secmgr.waitForSelector('dialog[open] [data-testid="transition-confirm"]')
      await secmgr.fill('dialog[open] [data-testid="field-content"]', '第一報：誤送信の事実と件数')
      await secmgr.selectOption('dialog[open] [data-testid="field-method"]', 'email').catch(async () => {
        await secmgr.locator('dialog[open] [data-field="method"] input[type="radio"][value="email"]').check()
      })
      await shotInDialogBoth(secmgr, 'followup-send-report')
      await secmgr.click('dialog[open] [data-testid="transition-submit"]')
      await secmgr.waitForSelector('dialog[open]', { state: 'detached' })
      await eventually(async () => (await row.innerText()).includes('報告済'), 'the report did not become 報告済')
      const reports = await apiOk(secmgr, 'GET', `/incident-external-reports?incident_id=${incidentId}`)
      expect(reports.items[0].sent_by === people.secmgr.id && typeof reports.items[0].sent_at === 'string', `not stamped: ${JSON.stringify(reports.items[0])}`)
    })

    await step('an instruction past its due date shows the overdue mark', async () => {
      await apiOk(secmgr, 'POST', '/incident-instructions', {
        incident_id: incidentId,
        instruction: 'パスワードの変更を確認',
        owner_org_unit_id: people.section,
        owner_user_id: people.chief.id,
        due_on: jstDate(-2),
      })
      await secmgr.reload()
      const late = panel(secmgr, 'incident_instructions').locator('tbody tr', { hasText: 'パスワードの変更を確認' })
      await late.waitFor()
      expect((await late.getAttribute('data-overdue')) === 'true', 'the late instruction is not marked overdue')
      await late.locator('[data-testid="child-overdue"]').waitFor()
      expect((await late.locator('[data-testid="child-overdue"]').innerText()).trim() === msg(ja, 'children.overdue'), 'the overdue mark reads otherwise')
      await shotBoth(secmgr, 'followup-panels')
      await checkAxe(secmgr, 'followup-panels')
    })

    await step('the section chief sees the instructions on the incident and reports one done', async () => {
      await firstSignIn(chief, people.chief.login, people.chief.temp, strongPassword())
      await chief.goto(`${BASE}/r/incidents/${incidentId}`)
      const row = panel(chief, 'incident_instructions').locator('tbody tr', { hasText: instruction })
      await row.waitFor()
      expect((await panel(chief, 'incident_instructions').locator('[data-testid="child-add"]').count()) === 0, 'the chief is offered to add an instruction')
      await row.locator('[data-action="done"]').click()
      await chief.waitForSelector('dialog[open] [data-testid="transition-confirm"]')
      await chief.fill('dialog[open] [data-testid="field-result"]', '誤送信先から削除済みの回答を得た')
      await chief.click('dialog[open] [data-testid="transition-submit"]')
      await chief.waitForSelector('dialog[open]', { state: 'detached' })
      await eventually(async () => (await row.innerText()).includes('完了'), 'the instruction did not become 完了')
      await shotBoth(chief, 'followup-done')
      await chief.setViewportSize({ width: 390, height: 844 })
      await chief.reload()
      await row.waitFor()
      await expectFitsPhone(chief, 'phone-followup', 'the incident page')
    })
    await finalChecks()
  } catch (e) {
    await failWalk(browser, openPages, e)
  }
  await passWalk(browser, 'incident_followup')
}

runWalk(main)
