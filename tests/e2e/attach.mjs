#!/usr/bin/env node
// Browser test of attachments on register records (docs/registers.md, "Attachments") against the
// REAL server with the Kobe pack: a section's 情報管理者 (a reader of the section's incidents; a
// reporter without incidents.read has no record page yet) drafts a report, opens its page,
// finds the attachments panel, is told at once that a program cannot be attached, attaches a
// screenshot (PNG) and sees it listed with its size, its SHA-256 (the one node computes of the
// same bytes) and their own name; downloads it and gets the same bytes; withdraws it with a note
// and sees it kept, marked withdrawn; the history shows both steps. The page is walked again at
// phone size (390×844). Every page photographed is checked with axe-core; no CSP violation or
// script error may occur.
//
// Start it with a server of its own:
//   MAMORI_E2E_SCRIPT=attach.mjs node tests/e2e/with-server.mjs build/mamori

import crypto from 'node:crypto'
import fs from 'node:fs'
import {
  ADMIN,
  ADMIN_TEMP,
  BASE,
  apiOk,
  checkAxe,
  createPerson,
  createSection,
  expect,
  expectFitsPhone,
  expectText,
  failWalk,
  finalChecks,
  firstSignIn,
  ja,
  launchBrowser,
  msg,
  openWatchedPage,
  passWalk,
  prepareShots,
  requireServer,
  runWalk,
  shotBoth,
  step,
  strongPassword,
} from './lib.mjs'

requireServer()

// A PNG's signature and header, then bytes: the server checks a file is of its named type.
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR'), crypto.randomBytes(2048)])
const pngSha = crypto.createHash('sha256').update(png).digest('hex')

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', acceptDownloads: true }
  const openPages = []
  const admin = await openWatchedPage(browser, contextOptions, 'admin', openPages)
  const stamp = Date.now().toString(36)
  const staffLogin = `e2e-staff-${stamp}`
  let staffTemp = ''
  let sectionId = ''
  let staff = null
  let recordId = ''

  try {
    await step('the admin signs in and sets up a section and its 情報管理者', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
      const { section } = await createSection(admin, { stamp, bureauName: '総務局', sectionName: '情報政策課' })
      sectionId = section.id
      const s = await createPerson(admin, { login: staffLogin, name: '山田 花子', unit: sectionId, role: 'information_manager', scopeId: sectionId })
      staffTemp = s.temp
    })

    staff = await openWatchedPage(browser, contextOptions, 'staff', openPages)

    await step('the 情報管理者 drafts a report and finds the empty attachments panel on its page', async () => {
      await firstSignIn(staff, staffLogin, staffTemp, strongPassword())
      const draft = await apiOk(staff, 'POST', '/incidents', { title: '不審メールの添付ファイルを開いた', owner_org_unit_id: sectionId })
      recordId = draft.id
      await staff.goto(`${BASE}/r/incidents/${recordId}`)
      await staff.waitForSelector('[data-testid="attachments"]')
      await expectText(staff, '[data-testid="attachments"] h2', msg(ja, 'attachments.title'))
      await expectText(staff, '[data-testid="attachments-empty"]', msg(ja, 'attachments.empty'))
    })

    await step('a program is refused at once, before anything is sent', async () => {
      await staff.setInputFiles('[data-testid="attachment-file"]', { name: 'tool.exe', mimeType: 'application/octet-stream', buffer: Buffer.from('MZ') })
      await staff.waitForSelector('[data-testid="attachment-upload"] .field-error')
      expect(await staff.locator('[data-testid="attachment-submit"]').isDisabled(), 'the attach button is enabled for a program')
    })

    await step('a screenshot is attached and listed with its size, SHA-256 and who attached it', async () => {
      await staff.setInputFiles('[data-testid="attachment-file"]', { name: '画面写真.png', mimeType: 'image/png', buffer: png })
      await staff.click('[data-testid="attachment-submit"]')
      await staff.waitForSelector('[data-testid="attachments-status"]')
      const row = staff.locator('[data-testid="attachments-table"] tbody tr', { hasText: '画面写真.png' })
      await row.waitFor()
      const title = await row.locator('[data-testid="attachment-sha256"]').getAttribute('title')
      expect(title === pngSha, `the listed SHA-256 is ${title}, node computed ${pngSha}`)
      const text = (await row.innerText()).replace(/\s+/g, ' ')
      expect(text.includes('山田 花子'), `the row does not name who attached it: ${text}`)
      expect(text.includes('KB'), `the row shows no size: ${text}`)
      await shotBoth(staff, 'attach-listed')
      await checkAxe(staff, 'attach-listed')
    })

    await step('the download answers the same bytes', async () => {
      const [download] = await Promise.all([staff.waitForEvent('download'), staff.click('[data-testid="attachment-download"]')])
      const file = await download.path()
      const got = fs.readFileSync(file)
      expect(Buffer.compare(got, png) === 0, `the download has ${got.length} bytes, not the ${png.length} attached`)
      expect(download.suggestedFilename() === '画面写真.png', `the download is named ${download.suggestedFilename()}`)
    })

    await step('withdrawn with a note, the file stays listed and marked; the history shows both', async () => {
      await staff.click('[data-testid="attachment-withdraw"]')
      await staff.fill('[data-testid="attachment-withdraw-note"]', '別件の画面を誤って添付した')
      await staff.click('[data-testid="attachment-withdraw-form"] button[type="submit"]')
      await staff.waitForSelector('[data-testid="attachment-withdrawn"]')
      expect((await staff.locator('[data-testid="attachments-table"] tbody tr').count()) === 1, 'the withdrawn file is no longer listed')
      expect((await staff.locator('[data-testid="attachment-withdraw"]').count()) === 0, 'a withdrawn file is offered withdrawal again')
      await staff.waitForFunction(() => document.querySelectorAll('[data-testid="record-history"] li').length >= 3)
      await shotBoth(staff, 'attach-withdrawn')
      await checkAxe(staff, 'attach-withdrawn')
    })

    await step('at phone size the panel fits the screen', async () => {
      await staff.setViewportSize({ width: 390, height: 844 })
      await staff.goto(`${BASE}/r/incidents/${recordId}`)
      await staff.waitForSelector('[data-testid="attachments-table"]')
      await expectFitsPhone(staff, 'phone-attach', 'the record page')
    })
    await finalChecks()
  } catch (e) {
    await failWalk(browser, openPages, e)
  }
  await passWalk(browser, 'attach')
}

runWalk(main)
