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
import path from 'node:path'
import {
  BASE,
  SHOTS,
  apiOk,
  axeViolations,
  checkAxe,
  expect,
  expectText,
  firstSignIn,
  ja,
  launchBrowser,
  msg,
  prepareShots,
  problems,
  shotBoth,
  shotCount,
  step,
  steps,
  strongPassword,
  watch,
} from './lib.mjs'

const ADMIN = process.env.MAMORI_ADMIN_LOGIN ?? ''
const ADMIN_TEMP = process.env.MAMORI_ADMIN_PASSWORD ?? ''
if (!BASE || !ADMIN || !ADMIN_TEMP) {
  console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN and MAMORI_ADMIN_PASSWORD (the temporary password)')
  process.exit(2)
}

// A PNG's signature and header, then bytes: the server checks a file is of its named type.
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('\0\0\0\rIHDR'), crypto.randomBytes(2048)])
const pngSha = crypto.createHash('sha256').update(png).digest('hex')

async function main() {
  prepareShots()
  const browser = await launchBrowser()
  const contextOptions = { ignoreHTTPSErrors: true, viewport: { width: 1280, height: 900 }, locale: 'ja-JP', timezoneId: 'Asia/Tokyo', acceptDownloads: true }
  const adminCtx = await browser.newContext(contextOptions)
  const admin = await adminCtx.newPage()
  admin.setDefaultTimeout(20000)
  watch(admin, 'admin')
  const openPages = [admin]
  const stamp = Date.now().toString(36)
  const staffLogin = `e2e-staff-${stamp}`
  let staffTemp = ''
  let sectionId = ''
  let staff = null
  let recordId = ''

  try {
    await step('the admin signs in and sets up a section and its 情報管理者', async () => {
      await firstSignIn(admin, ADMIN, ADMIN_TEMP, strongPassword())
      const units = await apiOk(admin, 'GET', '/org-units?per_page=1000')
      const city = units.items.find((u) => u.kind === 'city')
      const bureau = await apiOk(admin, 'POST', '/org-units', { code: `B${stamp}`, name: '総務局', kind: 'bureau', parent_id: city.id })
      const section = await apiOk(admin, 'POST', '/org-units', { code: `S${stamp}`, name: '情報政策課', kind: 'section', parent_id: bureau.id })
      sectionId = section.id
      const s = await apiOk(admin, 'POST', '/users', { login_id: staffLogin, name: '山田 花子', org_unit_id: sectionId, employment_type: 'regular' })
      staffTemp = s.temporary_password
      await apiOk(admin, 'POST', '/role-assignments', { user_id: s.id, role: 'information_manager', scope_type: 'org_unit', scope_id: sectionId })
    })

    const staffCtx = await browser.newContext(contextOptions)
    staff = await staffCtx.newPage()
    staff.setDefaultTimeout(20000)
    watch(staff, 'staff')
    openPages.push(staff)

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
      expect(!(await staff.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)), 'the record page scrolls sideways at 390 px')
      await shotBoth(staff, 'phone-attach')
      await checkAxe(staff, 'phone-attach')
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
        await p.screenshot({ path: path.join(SHOTS, i === 0 ? 'FAILED.png' : `FAILED-${i}.png`), fullPage: true })
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
  console.log(`\ne2e (attach) passed: ${steps.length} steps; ${shotCount()} screenshots in ${SHOTS}`)
}

main().catch((e) => {
  console.error(`e2e crashed: ${e.stack ?? e}`)
  process.exit(1)
})
