#!/usr/bin/env node
// Browser test of the register & workflow kit against the REAL server, run with the second town's
// pack (tests/packs/sample_town.yaml) and its 貸出簿 (`lending`: lend / return / retire, a borrower,
// a due date). Nothing is answered from a fixture: the menu, the list, the form, the detail page
// and the transition dialog are drawn from GET /api/v1/registers and the register's routes.
//
// The walk: the admin signs in (password change, TOTP) and sets up through the API a bureau and a
// section, a 課長 (kacho over the section) and a 職員 (shokuin over the section). The kacho finds
// the 貸出簿 in the menu, sees its empty list, registers a laptop through the form (the server's
// field errors shown at their inputs, each cleared as it is fixed), finds it in the list, opens
// it, lends it to the shokuin through the transition dialog (a past due date refused at its
// field, then a good one), and sees 貸出中 and the history. The shokuin, in a browser of their
// own, sees the laptop with themselves as borrower and is offered no action. The kacho takes it
// back; the export (Excel and CSV) answers with the record. The list and the record are walked
// again at phone size (390×844). Every page photographed is checked with axe-core (no serious or
// critical violation); no CSP violation or script error may occur.
//
// Environment: as run.mjs (MAMORI_URL, MAMORI_ADMIN_LOGIN, MAMORI_ADMIN_PASSWORD; screenshots in
// MAMORI_SCREENSHOTS, default /tmp/mamori-shots-kit). Start it with a server of its own:
//   MAMORI_E2E_SCRIPT=kit.mjs MAMORI_POLICY=tests/packs/sample_town.yaml node tests/e2e/with-server.mjs build/mamori

import fs from 'node:fs'
import {
  ADMIN,
  ADMIN_TEMP,
  BASE,
  apiCall,
  apiOk,
  createPerson,
  createSection,
  en,
  eventually,
  expect,
  expectFitsPhone,
  expectText,
  failWalk,
  finalChecks,
  firstSignIn,
  ja,
  jstDate,
  launchBrowser,
  msg,
  navTexts,
  openWatchedPage,
  passWalk,
  prepareShots,
  requireServer,
  runWalk,
  setLang,
  shotBoth,
  shotInDialogBoth,
  step,
  strongPassword,
  textOf,
} from './lib.mjs'

requireServer()

const row = (page, device) => page.locator('[data-testid="register-table"] tbody tr', { hasText: device })

/** The list of the 貸出簿 as the page shows it, once its answer has arrived. */
async function openList(page) {
  await page.goto(`${BASE}/r/lending`)
  await page.waitForSelector('[data-testid="register-table"], [data-testid="register-empty"]')
}

/** History entries of the record page, as their text. */
async function historyTexts(page) {
  return (await page.locator('[data-testid="record-history"] li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').trim())
}

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  // A browser far from Tokyo: every date on the page must still be JST.
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'America/Los_Angeles', acceptDownloads: true }
  const openPages = []
  const admin = await openWatchedPage(browser, contextOptions, 'admin', openPages)

  const stamp = Date.now().toString(36)
  const kachoLogin = `e2e-kacho-${stamp}`
  const shokuinLogin = `e2e-shokuin-${stamp}`
  const kachoPassword = strongPassword()
  const shokuinPassword = strongPassword()
  const device = 'PC-014 ノートPC'
  let sectionId = ''
  let kachoTemp = ''
  let shokuinTemp = ''
  let shokuinId = ''
  let recordId = ''
  let kacho = null

  try {
    await step('the admin signs in (password change, TOTP enrolment)', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
    })

    await step('set-up through the API: a bureau and a section, a 課長 (kacho) and a 職員 (shokuin) of the section', async () => {
      const catalog = await apiOk(admin, 'GET', '/registers')
      const lending = catalog.items.find((x) => x.id === 'lending')
      expect(lending && lending.kind === 'register' && lending.path === 'lending', `the sample town's pack has no 貸出簿: ${JSON.stringify(catalog.items.map((x) => x.id))}`)
      const { section } = await createSection(admin, { stamp, bureauName: '総務部', sectionName: '情報推進課' })
      sectionId = section.id
      const k = await createPerson(admin, { login: kachoLogin, name: '佐藤 一郎', unit: sectionId, role: 'kacho', scopeId: sectionId })
      const s = await createPerson(admin, { login: shokuinLogin, name: '山田 花子', unit: sectionId, role: 'shokuin', scopeId: sectionId })
      kachoTemp = k.temp
      shokuinTemp = s.temp
      shokuinId = s.id
    })

    kacho = await openWatchedPage(browser, contextOptions, 'kacho', openPages)

    await step('the 課長 signs in and finds the 貸出簿 in the menu; its list is empty', async () => {
      await firstSignIn(kacho, kachoLogin, kachoTemp, kachoPassword)
      const entry = kacho.locator('nav.main-nav a[data-register="lending"]')
      await entry.waitFor()
      expect((await entry.innerText()).trim() === '貸出簿', `the menu entry reads "${await entry.innerText()}"`)
      await entry.click()
      await kacho.waitForURL(/\/r\/lending$/)
      await expectText(kacho, 'h1', '貸出簿')
      expect((await entry.getAttribute('aria-current')) === 'page', 'the menu entry is not marked current')
      await expectText(kacho, '[data-testid="register-empty"]', msg(ja, 'kit.empty_none'))
      expect((await kacho.locator('[data-testid="register-table"]').count()) === 0, 'an empty register shows a table')
      expect((await kacho.locator('main nav.pager').count()) === 0, 'an empty register shows a pager')
      // The filters come from the pack: the states, the kind's choices, the owner section.
      const states = await kacho.locator('[data-testid="register-filter-state"] option').allInnerTexts()
      expect(['貸出可', '貸出中', '廃止'].every((s) => states.includes(s)), `state filter: ${states.join(',')}`)
      const kinds = await kacho.locator('[data-testid="register-filter-kind"] option').allInnerTexts()
      expect(['ノートPC', 'タブレット', 'モバイルルーター'].every((s) => kinds.includes(s)), `kind filter: ${kinds.join(',')}`)
      await shotBoth(kacho, 'kit-empty')
    })

    await step('the 課長 registers a laptop through the form: the server names each missing field, each error clears as it is fixed', async () => {
      await kacho.click('[data-testid="register-create"]')
      await kacho.waitForSelector('dialog[open] [data-testid="register-form"]')
      for (const f of ['borrower', 'due_on', 'purpose']) {
        expect((await kacho.locator(`dialog[open] [data-field="${f}"]`).count()) === 0, `the read-only field ${f} is offered in the form`)
      }
      const kindHelp = await kacho.locator('dialog[open] [data-field="kind"]').innerText()
      expect(kindHelp.includes('庁外へ持ち出せる端末'), `the kind's choices are not explained where they are picked: ${kindHelp}`)
      await shotInDialogBoth(kacho, 'kit-form')
      await kacho.click('[data-testid="register-submit"]')
      for (const f of ['device', 'kind', 'owner_org_unit_id']) {
        await kacho.waitForSelector(`dialog[open] [data-field="${f}"] [data-testid="field-error"]`)
      }
      await shotInDialogBoth(kacho, 'kit-form-errors')
      await kacho.fill('dialog[open] [data-testid="field-device"]', device)
      await eventually(async () => (await kacho.locator('dialog[open] [data-field="device"] [data-testid="field-error"]').count()) === 0, 'the device error did not clear as the field was fixed')
      expect((await kacho.locator('dialog[open] [data-field="owner_org_unit_id"] [data-testid="field-error"]').count()) === 1, 'an unfixed field lost its error')
      await kacho.locator('dialog[open] [data-field="kind"] input[type="radio"][value="laptop"]').check()
      await kacho.selectOption('dialog[open] [data-testid="field-owner_org_unit_id"]', sectionId)
      await kacho.fill('dialog[open] [data-testid="field-notes"]', '充電器付き')
      await eventually(async () => (await kacho.locator('dialog[open] [data-testid="field-error"]').count()) === 0, 'errors remain after every field was fixed')
      await kacho.click('[data-testid="register-submit"]')
      await kacho.waitForSelector('dialog[open]', { state: 'detached' })
      await expectText(kacho, '[data-testid="status-message"]', msg(ja, 'kit.created', { record: device }))
    })

    await step('the laptop is in the list: its kind, owner section and state by name', async () => {
      await row(kacho, device).waitFor()
      const text = (await row(kacho, device).innerText()).replace(/\s+/g, ' ')
      for (const want of ['ノートPC', '情報推進課', '貸出可']) expect(text.includes(want), `the list row lacks ${want}: ${text}`)
      expect((await kacho.locator('[data-testid="register-table"] tbody tr').count()) === 1, 'the list does not hold exactly the new record')
      await shotBoth(kacho, 'kit-list')
      recordId = await row(kacho, device).getAttribute('data-record-id')
      expect(/^[0-9a-f]{32}$/.test(recordId ?? ''), `record id: ${recordId}`)
    })

    await step('the record page: fields, state, the actions a 課長 may take, the history', async () => {
      await row(kacho, device).locator('a.record-link').click()
      await kacho.waitForURL(new RegExp(`/r/lending/${recordId}$`))
      await expectText(kacho, '[data-testid="record-title"]', device)
      await expectText(kacho, '.page-head [data-testid="status"]', '貸出可')
      expect((await textOf(kacho, '[data-field="owner_org_unit_id"]')) === '情報推進課', 'the owner section is not shown by name')
      expect((await textOf(kacho, '[data-field="kind"]')) === 'ノートPC', 'the kind is not shown by its label')
      const actions = await kacho.locator('[data-testid="record-actions"] [data-action]').evaluateAll((es) => es.map((e) => e.dataset.action).sort())
      expect(JSON.stringify(actions) === JSON.stringify(['lend', 'retire']), `actions offered: ${actions.join(',')}`)
      await kacho.waitForSelector('[data-testid="record-history"] li')
      const hist = await historyTexts(kacho)
      expect(hist.length === 1 && hist[0].includes(msg(ja, 'kit.history_create')), `history: ${hist.join(' | ')}`)
      // Who did it: by name, or by login ID where the answer carries no name.
      const actor = (await textOf(kacho, '[data-testid="record-history"] li [data-testid="history-actor"]')).trim()
      expect(actor === '佐藤 一郎' || actor === kachoLogin, `the history names its actor as "${actor}"`)
      await shotBoth(kacho, 'kit-detail')
    })

    await step('the 課長 lends it to the 職員 through the dialog: a past due date is refused at its field, then 貸出中', async () => {
      await kacho.click('[data-testid="record-actions"] [data-action="lend"]')
      await kacho.waitForSelector('dialog[open] [data-testid="transition-confirm"]')
      const confirm = await textOf(kacho, 'dialog[open] [data-testid="transition-confirm"]')
      expect(confirm === msg(ja, 'kit.confirm_to', { record: device, action: '貸出', state: '貸出中' }), `confirmation: ${confirm}`)
      const borrower = kacho.locator('dialog[open] [data-testid="field-borrower"]')
      await eventually(async () => (await borrower.locator(`option[value="${shokuinId}"]`).count()) === 1, 'the borrower list does not offer the 職員')
      expect((await borrower.locator(`option[value="${shokuinId}"]`).innerText()).includes('山田 花子'), 'the borrower is not offered by name')
      await borrower.selectOption(shokuinId)
      await kacho.fill('dialog[open] [data-testid="field-due_on"]', jstDate(-1))
      await kacho.fill('dialog[open] [data-testid="field-purpose"]', '出張先での説明会')
      await kacho.click('[data-testid="transition-submit"]')
      await kacho.waitForSelector('dialog[open] [data-field="due_on"] [data-testid="field-error"]')
      // The pack's reason and clause are shown above, as the field's message says.
      const err = (await kacho.locator('dialog[open] [data-testid="error"]').innerText()).replace(/\s+/g, ' ')
      expect(err.includes('返却予定日が過去の日付です') && err.includes('sakura:5.3'), `the refusal does not give the pack's reason and clause: ${err}`)
      await shotInDialogBoth(kacho, 'kit-lend-refused')
      await kacho.fill('dialog[open] [data-testid="field-due_on"]', jstDate(7))
      await eventually(async () => (await kacho.locator('dialog[open] [data-field="due_on"] [data-testid="field-error"]').count()) === 0, 'the due date error did not clear as it was fixed')
      await shotInDialogBoth(kacho, 'kit-lend')
      await kacho.click('[data-testid="transition-submit"]')
      await kacho.waitForSelector('dialog[open]', { state: 'detached' })
      await expectText(kacho, '.page-head [data-testid="status"]', '貸出中')
      await expectText(kacho, '[data-testid="status-message"]', msg(ja, 'kit.transitioned', { record: device, action: '貸出' }))
      expect((await textOf(kacho, '[data-field="borrower"]')) === '山田 花子', 'the borrower is not shown by name')
      const due = await textOf(kacho, '[data-field="due_on"]')
      expect(due.includes(jstDate(7).slice(0, 4)) || /令和/.test(due), `the due date reads "${due}"`)
      // The deadline is the due day (not the next day's midnight when it passes).
      await kacho.waitForSelector('[data-field="deadline_at"]')
      const deadline = await textOf(kacho, '[data-field="deadline_at"]')
      expect(deadline === due, `the deadline reads "${deadline}", the due date "${due}"`)
      const actions = await kacho.locator('[data-testid="record-actions"] [data-action]').evaluateAll((es) => es.map((e) => e.dataset.action))
      expect(JSON.stringify(actions) === JSON.stringify(['return']), `actions offered when lent: ${actions.join(',')}`)
      await eventually(async () => (await historyTexts(kacho)).length === 2, async () => `history after lending: ${(await historyTexts(kacho)).join(' | ')}`)
      const hist = await historyTexts(kacho)
      expect(hist[1].includes('貸出'), `the lend is not in the history: ${hist.join(' | ')}`)
      await shotBoth(kacho, 'kit-lent')
    })

    const shokuin = await openWatchedPage(browser, contextOptions, 'shokuin', openPages)

    await step('the 職員, in a browser of their own, sees the laptop lent to them and is offered no action', async () => {
      await firstSignIn(shokuin, shokuinLogin, shokuinTemp, shokuinPassword)
      const nav = await navTexts(shokuin)
      expect(nav.includes('貸出簿'), `the 職員's menu lacks the 貸出簿: ${nav.join(', ')}`)
      await openList(shokuin)
      await row(shokuin, device).waitFor()
      const text = (await row(shokuin, device).innerText()).replace(/\s+/g, ' ')
      expect(text.includes('山田 花子') && text.includes('貸出中'), `the 職員's list row: ${text}`)
      expect((await shokuin.locator('[data-testid="register-create"]').count()) === 0, 'the 職員 (read only) is offered to register')
      // Without org.read the owner filter offers the section the 職員 knows, by name.
      const owners = await shokuin.locator('[data-testid="register-filter-owner_org_unit_id"] option').allInnerTexts()
      expect(owners.includes('情報推進課') && !owners.some((o) => /^[0-9a-f]{32}$/.test(o.trim())), `the 職員's owner filter: ${owners.join(',')}`)
      await shotBoth(shokuin, 'kit-list-shokuin')
      await row(shokuin, device).locator('a.record-link').click()
      await expectText(shokuin, '[data-testid="record-title"]', device)
      expect((await textOf(shokuin, '[data-field="borrower"]')) === '山田 花子', 'the 職員 does not see themselves as borrower')
      await expectText(shokuin, '.page-head [data-testid="status"]', '貸出中')
      expect((await shokuin.locator('[data-testid="record-actions"]').count()) === 0, 'the 職員 is offered an action or the edit')
      await shokuin.waitForSelector('[data-testid="record-history"] li')
      await shotBoth(shokuin, 'kit-detail-shokuin')
      // The server agrees: the return is not the 職員's to take.
      const r = await apiCall(shokuin, 'POST', `/lending/${recordId}/transitions/return`, {})
      expect(r.status === 403, `the 職員's return answered ${r.status}: ${JSON.stringify(r.body)}`)
    })

    await step('the 課長 takes it back: 貸出可 again, the return in the history', async () => {
      await kacho.reload()
      await kacho.waitForSelector('[data-testid="record-actions"] [data-action="return"]')
      await kacho.click('[data-testid="record-actions"] [data-action="return"]')
      await kacho.waitForSelector('dialog[open] [data-testid="transition-confirm"]')
      const confirm = await textOf(kacho, 'dialog[open] [data-testid="transition-confirm"]')
      expect(confirm === msg(ja, 'kit.confirm_to', { record: device, action: '返却', state: '貸出可' }), `confirmation: ${confirm}`)
      expect((await kacho.locator('dialog[open] [data-field]').count()) === 0, 'the return asks for fields it does not set')
      await shotInDialogBoth(kacho, 'kit-return')
      await kacho.fill('dialog[open] [data-testid="transition-note"]', '異常なし')
      await kacho.click('[data-testid="transition-submit"]')
      await kacho.waitForSelector('dialog[open]', { state: 'detached' })
      await expectText(kacho, '.page-head [data-testid="status"]', '貸出可')
      // create, lend, the 職員's refused return (marked 拒否, by its actor), the return.
      await eventually(async () => (await historyTexts(kacho)).length === 4, async () => `history after the return: ${(await historyTexts(kacho)).join(' | ')}`)
      const hist = await historyTexts(kacho)
      expect(hist[3].includes('返却') && !hist[3].includes(msg(ja, 'audit.results.denied')), `the return is not the last entry: ${hist.join(' | ')}`)
      const refused = kacho.locator('[data-testid="record-history"] li', { has: kacho.locator('[data-testid="history-result"]') })
      expect((await refused.count()) === 1, `refusals in the history: ${hist.join(' | ')}`)
      expect((await refused.locator('[data-testid="history-result"]').innerText()).trim() === msg(ja, 'audit.results.denied'), 'the refusal is not marked in Japanese')
      const by = (await refused.locator('[data-testid="history-actor"]').innerText()).trim()
      expect(by === '山田 花子' || by === shokuinLogin, `the refusal names "${by}"`)
      const actions = await kacho.locator('[data-testid="record-actions"] [data-action]').evaluateAll((es) => es.map((e) => e.dataset.action).sort())
      expect(JSON.stringify(actions) === JSON.stringify(['lend', 'retire']), `actions offered after the return: ${actions.join(',')}`)
      await shotBoth(kacho, 'kit-returned')
      // The message names the action in the language shown (shotBoth switched to English and back).
      await setLang(kacho, 'en')
      await expectText(kacho, '[data-testid="status-message"]', msg(en, 'kit.transitioned', { record: device, action: 'Return' }))
      await setLang(kacho, 'ja')
    })

    await step('the export: the Excel link downloads a workbook, the CSV answers 200 with the record', async () => {
      await openList(kacho)
      await row(kacho, device).waitFor()
      const [download] = await Promise.all([kacho.waitForEvent('download'), kacho.click('[data-testid="register-export-xlsx"]')])
      expect(/^lending-\d{4}-\d{2}-\d{2}\.xlsx$/.test(download.suggestedFilename()), `workbook name: ${download.suggestedFilename()}`)
      const workbook = fs.readFileSync(await download.path())
      // An .xlsx is a zip archive: it starts with PK.
      expect(workbook.length > 100 && workbook.subarray(0, 2).toString() === 'PK', `the workbook is not one (${workbook.length} bytes)`)
      const href = await kacho.getAttribute('[data-testid="register-export-csv"]', 'href')
      const csv = await kacho.evaluate(async (u) => {
        const r = await fetch(u, { credentials: 'same-origin' })
        return { status: r.status, type: r.headers.get('content-type'), text: await r.text() }
      }, href)
      expect(csv.status === 200, `the CSV export answered ${csv.status}: ${csv.text.slice(0, 200)}`)
      expect(/text\/csv/.test(csv.type ?? ''), `the CSV export's type: ${csv.type}`)
      expect(csv.text.includes(device) && csv.text.includes('貸出可') && csv.text.includes('ノートPC'), `the CSV lacks the record: ${csv.text.slice(0, 300)}`)
    })

    await step('phone (390×844): the list as cards and the record page, for the 課長 and the 職員', async () => {
      for (const [p, who] of [[kacho, 'kacho'], [shokuin, 'shokuin']]) {
        await p.setViewportSize({ width: 390, height: 844 })
        await openList(p)
        await row(p, device).waitFor()
        const header = await p.locator('[data-testid="register-table"] thead').boundingBox()
        expect(!header || header.height <= 1, `${who}: the list is a wide table on a phone, not cards`)
        expect(!(await p.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)), `${who}: the list scrolls sideways at 390 px`)
        const small = await p.evaluate(() =>
          [...document.querySelectorAll('main .btn, main select, main input:not([type=checkbox]):not([type=radio]), main a.record-link')]
            .filter((e) => e.offsetParent !== null)
            .map((e) => [e.textContent?.trim() || e.id || e.tagName, Math.round(e.getBoundingClientRect().height)])
            .filter(([, h]) => h < 43.5),
        )
        expect(small.length === 0, `${who}: touch targets under 44 px: ${JSON.stringify(small)}`)
        // Each card line holds its label: a wrapped label ("Owner section") does not run into the next.
        await setLang(p, 'en')
        const spill = await p.evaluate(() =>
          [...document.querySelectorAll('[data-testid="register-table"] tbody td')]
            .map((td) => {
              // The label is drawn by ::before: measured in a probe of its width and font.
              const cs = getComputedStyle(td, '::before')
              const probe = document.createElement('span')
              Object.assign(probe.style, { display: 'block', position: 'absolute', visibility: 'hidden', width: cs.width, font: cs.font, lineHeight: cs.lineHeight })
              probe.textContent = td.dataset.label ?? ''
              document.body.append(probe)
              const need = probe.getBoundingClientRect().height
              probe.remove()
              const td_ = getComputedStyle(td)
              const room = td.clientHeight - parseFloat(td_.paddingTop) - parseFloat(td_.paddingBottom)
              return [td.dataset.label, Math.round(need), Math.round(room)]
            })
            .filter(([, need, room]) => need > room + 1),
        )
        expect(spill.length === 0, `${who}: card labels are laid over the next line: ${JSON.stringify(spill)}`)
        await setLang(p, 'ja')
        await shotBoth(p, `phone-kit-list-${who}`)
        await p.goto(`${BASE}/r/lending/${recordId}`)
        await expectText(p, '[data-testid="record-title"]', device)
        await p.waitForSelector('[data-testid="record-history"] li')
        await expectFitsPhone(p, `phone-kit-detail-${who}`, `${who}: the record page`)
      }
      await kacho.click('[data-testid="record-actions"] [data-action="lend"]')
      await kacho.waitForSelector('dialog[open] [data-testid="transition-confirm"]')
      await shotInDialogBoth(kacho, 'phone-kit-lend')
      await kacho.keyboard.press('Escape')
      await kacho.waitForSelector('dialog[open]', { state: 'detached' })
    })
    await finalChecks()
  } catch (e) {
    await failWalk(browser, openPages, e)
  }
  await passWalk(browser, 'kit')
}

runWalk(main)
