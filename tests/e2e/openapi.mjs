#!/usr/bin/env node
// The served OpenAPI document against REAL answers (issue 9 part 4), with the second town's pack
// (tests/packs/sample_town.yaml) and its 貸出簿 (`lending`). No browser: everything goes through
// the API, as a client generated from the document would.
//
// 1. GET /api/v1/openapi.json is OpenAPI-shaped: version 3.1, every operation has responses,
//    every $ref resolves inside the document, every schema compiles with ajv (JSON Schema 2020-12,
//    the dialect of OpenAPI 3.1).
// 2. The admin signs in through the API (temporary password, forced change, TOTP enrolment) and
//    sets up a bureau, a section, a 課長 (kacho) and a 職員 (shokuin) of the section.
// 3. The kacho works the lending book: list (with filters), create, get, patch, lend (borrower +
//    due_on), return, retire (with a note), history. Each answer's body is validated against
//    the schema the document gives for that operation and status (`200`/`201`, else `2XX`).
// 4. Bad input (422) answers match the Problem schema the operation lists for 422.
// 5. The fixed resources, each answer validated the same way and every status listed by number:
//    the session of each person, my sessions, the policy, the registers catalogue, approver
//    vacancies, log verification, healthz/readyz; users (list, get, patch, history, suspend,
//    resume, reset-password, end sessions, delete), role assignments, org units; assets (create,
//    list with filters, get, patch, history, export, template, CSV import); a request drafted and submitted by
//    the 職員 and approved by the 課長; notifications (list, read, read-all); the operation log
//    (list, export); and problems: 422 naming fields, 409 stale version or state, 403, 404, 401.
// 6. A negative check: a copy of a real record with one key added, and one with a key removed,
//    must both fail the record schema (records are additionalProperties: false, every key required).
//
// Environment: MAMORI_URL, MAMORI_ADMIN_LOGIN, MAMORI_ADMIN_PASSWORD (from with-server.mjs). Run:
//   MAMORI_E2E_SCRIPT=openapi.mjs MAMORI_POLICY=tests/packs/sample_town.yaml node tests/e2e/with-server.mjs build/mamori

import https from 'node:https'
import Ajv2020 from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import { BASE, expect, freshCode, jstDate, step, steps, strongPassword } from './lib.mjs'

const ADMIN = process.env.MAMORI_ADMIN_LOGIN ?? ''
const ADMIN_TEMP = process.env.MAMORI_ADMIN_PASSWORD ?? ''
if (!BASE || !ADMIN || !ADMIN_TEMP) {
  console.error('e2e: set MAMORI_URL, MAMORI_ADMIN_LOGIN and MAMORI_ADMIN_PASSWORD (the temporary password)')
  process.exit(2)
}

// ---------------------------------------------------------------- an API client (cookie + CSRF)

/** A signed-in person: the session cookie and the CSRF token, renewed whenever the server renews them. */
class Client {
  constructor() {
    this.cookie = ''
    this.csrf = ''
  }

  /**
   * One request; answers {status, type, body} (body parsed when JSON). A path starting with
   * "/api/v1" or "/" + a root route (healthz, readyz) is taken as is; others are under /api/v1.
   * `contentType` sends the body as is (a CSV upload).
   */
  call(method, path, body, contentType) {
    const data = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body))
    const headers = { Accept: 'application/json' }
    if (data) {
      headers['Content-Type'] = contentType ?? 'application/json'
      headers['Content-Length'] = data.length
    }
    if (this.cookie) headers.Cookie = this.cookie
    if (method !== 'GET' && this.csrf) headers['X-CSRF-Token'] = this.csrf
    return new Promise((resolve, reject) => {
      const url = /^\/(healthz|readyz)\b/.test(path) ? `${BASE}${path}` : `${BASE}/api/v1${path}`
      const req = https.request(url, { method, headers, rejectUnauthorized: false, timeout: 20000 }, (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          for (const c of res.headers['set-cookie'] ?? []) {
            const m = /^(__Host-mamori_session)=([^;]*)/.exec(c)
            if (m) this.cookie = m[2] ? `${m[1]}=${m[2]}` : ''
          }
          const text = Buffer.concat(chunks).toString('utf8')
          const type = (res.headers['content-type'] ?? '').split(';')[0].trim()
          let parsed = text
          if (/json/.test(type) && text) parsed = JSON.parse(text)
          if (parsed && typeof parsed === 'object' && typeof parsed.csrf_token === 'string') this.csrf = parsed.csrf_token
          resolve({ status: res.statusCode, type, body: parsed })
        })
      })
      req.on('error', reject)
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)))
      if (data) req.write(data)
      req.end()
    })
  }
}

/** Each person's password and TOTP secret (with the last step used), for a later sign-in. */
const credentials = {}

/**
 * Signs in through the API: the temporary password, the forced change, and the TOTP enrolment
 * when the pack asks this person for it (codes from lib.mjs's freshCode). Every answer is
 * validated against the document.
 */
async function signIn(client, login, temp, password) {
  let r = await checked(client, 'POST', '/api/v1/session', '/session', { login_id: login, password: temp }, 200)
  credentials[login] = { password: temp }
  if (r.must_change_password) {
    r = await checked(client, 'PUT', '/api/v1/me/password', '/me/password', { current_password: temp, new_password: password }, 200)
    credentials[login].password = password
  }
  const s = await checked(client, 'GET', '/api/v1/session', '/session', undefined, 200)
  const needsMfa = r?.mfa_enrollment_required ?? s?.mfa_enrollment_required
  if (needsMfa) {
    const start = await checked(client, 'POST', '/api/v1/me/mfa/totp', '/me/mfa/totp', undefined, 200)
    expect(/^[A-Z2-7]{16,}$/.test(start.secret ?? ''), `TOTP enrolment start answered ${JSON.stringify(start)}`)
    const { code, step } = await freshCode(start.secret)
    await checked(client, 'POST', '/api/v1/me/mfa/totp/confirm', '/me/mfa/totp/confirm', { code }, 200)
    Object.assign(credentials[login], { secret: start.secret, step })
  }
  // A route of a complete session only: a session still owing a step is refused it.
  await checked(client, 'GET', '/api/v1/me/sessions', '/me/sessions', undefined, 200)
}

// ---------------------------------------------------------------- the document

const DOC_ID = 'https://mamori.invalid/api/v1/openapi.json'
const pointer = (parts) => '#/' + parts.map((p) => String(p).replace(/~/g, '~0').replace(/\//g, '~1')).join('/')

/** Every "$ref" in the document, with where it was found. */
function refsOf(node, at = '#', out = []) {
  if (Array.isArray(node)) node.forEach((v, i) => refsOf(v, `${at}/${i}`, out))
  else if (node && typeof node === 'object')
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push({ at, ref: v })
      else refsOf(v, `${at}/${k}`, out)
    }
  return out
}

function resolvePointer(doc, ref) {
  if (!ref.startsWith('#/')) return undefined
  return ref
    .slice(2)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((o, k) => (o == null ? undefined : o[k]), doc)
}

/** Checks the shape of an OpenAPI 3.1 document; answers a list of defects (empty when sound). */
function documentDefects(doc) {
  const defects = []
  if (doc.openapi !== '3.1.0') defects.push(`openapi is ${doc.openapi}, not 3.1.0`)
  if (!doc.info?.title || !doc.info?.version) defects.push('info.title or info.version is missing')
  if (!doc.paths || Object.keys(doc.paths).length === 0) defects.push('no paths')
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']
  const ids = new Set()
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    if (!p.startsWith('/')) defects.push(`path ${p} does not start with /`)
    for (const [m, op] of Object.entries(item)) {
      if (!methods.includes(m)) {
        defects.push(`${p}: unknown method ${m}`)
        continue
      }
      const responses = Object.keys(op.responses ?? {})
      if (responses.length === 0) defects.push(`${m.toUpperCase()} ${p} has no responses`)
      for (const s of responses) if (!/^([1-5](XX|\d\d)|default)$/.test(s)) defects.push(`${m.toUpperCase()} ${p}: bad response key ${s}`)
      if (!op.operationId) defects.push(`${m.toUpperCase()} ${p} has no operationId`)
      else if (ids.has(op.operationId)) defects.push(`operationId ${op.operationId} is used twice`)
      ids.add(op.operationId)
      const named = new Set((op.parameters ?? []).filter((x) => x.in === 'path').map((x) => x.name))
      for (const [, n] of p.matchAll(/\{([^}]+)\}/g)) if (!named.has(n)) defects.push(`${m.toUpperCase()} ${p}: path parameter ${n} is not declared`)
    }
  }
  for (const { at, ref } of refsOf(doc)) if (resolvePointer(doc, ref) === undefined) defects.push(`${at}: $ref ${ref} does not resolve`)
  return defects
}

/** The schema of an operation's answer for a status: the exact status, else its class (2XX…). */
function responseSchemaRef(doc, method, path, status, type) {
  const op = doc.paths?.[path]?.[method.toLowerCase()]
  if (!op) throw new Error(`the document has no ${method} ${path}`)
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => op.responses?.[k])
  if (!key) throw new Error(`${method} ${path} declares no answer for ${status}`)
  const content = op.responses[key].content
  if (!content) return { key, ref: null }
  if (!content[type]) throw new Error(`${method} ${path} ${key} declares ${Object.keys(content).join(', ')}, the server answered ${type}`)
  return { key, ref: DOC_ID + pointer(['paths', path, method.toLowerCase(), 'responses', key, 'content', type, 'schema']) }
}

// ---------------------------------------------------------------- main

const client = new Client()
let doc = null
let ajv = null
const validated = [] // "METHOD path status → schema"
const compiled = new Map()

function validatorFor(ref) {
  if (!compiled.has(ref)) compiled.set(ref, ajv.getSchema(ref) ?? ajv.compile({ $ref: ref }))
  return compiled.get(ref)
}

/**
 * Makes the call and validates the answer against the document: the operation (template path),
 * the status the test expects, and the body against that status's schema.
 */
async function checked(who, method, template, path, body, expectedStatus, contentType) {
  const r = await who.call(method, path, body, contentType)
  expect(r.status === expectedStatus, `${method} ${path} answered ${r.status}, expected ${expectedStatus}: ${JSON.stringify(r.body)}`)
  const { key, ref } = responseSchemaRef(doc, method, template, r.status, r.type)
  // Every status a test meets is one the operation lists by number, not only a class (2XX, 4XX).
  expect(key === String(r.status), `${method} ${template} answered ${r.status}, which the document lists only as ${key}`)
  if (ref) {
    const validate = validatorFor(ref)
    if (!validate(r.body))
      throw new Error(`${method} ${path} ${r.status}: the answer does not match the document's ${key} schema:\n` +
        `${validate.errors.map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`).join('\n')}\nanswer: ${JSON.stringify(r.body).slice(0, 2000)}`)
    validated.push(`${method} ${template} ${r.status} (${key})`)
  } else {
    validated.push(`${method} ${template} ${r.status} (${key}, no body schema)`)
  }
  return r.body
}

async function main() {
  await step('GET /api/v1/openapi.json is an OpenAPI 3.1 document: every operation answers, every $ref resolves', async () => {
    const r = await client.call('GET', '/openapi.json')
    expect(r.status === 200 && r.type === 'application/json', `openapi.json answered ${r.status} ${r.type}`)
    doc = r.body
    const defects = documentDefects(doc)
    expect(defects.length === 0, `the document has defects:\n${defects.join('\n')}`)
    // The lending book's schemas come from the pack.
    for (const n of ['LendingRecord', 'LendingList', 'LendingInput', 'LendingPatch', 'LendingLendBody', 'LendingReturnBody', 'LendingRetireBody', 'Problem', 'LogEntryList'])
      expect(doc.components?.schemas?.[n], `components.schemas has no ${n}`)
    expect(doc.paths['/api/v1/lending']?.post?.responses?.['201'], 'POST /api/v1/lending declares no 201')
    // The checker itself must catch a dangling $ref and an operation without answers.
    const broken = structuredClone(doc)
    broken.paths['/api/v1/lending'].get.responses = {}
    broken.components.schemas.LendingList.properties.items.items.$ref = '#/components/schemas/NoSuchThing'
    const found = documentDefects(broken)
    expect(found.some((d) => /has no responses/.test(d)) && found.some((d) => /NoSuchThing does not resolve/.test(d)),
      `the document check missed a planted defect: ${JSON.stringify(found)}`)
  })

  await step('every schema of the document compiles as JSON Schema 2020-12 (ajv, with formats)', async () => {
    // The whole document is one resource: "#/components/schemas/…" resolves inside it, and each
    // operation's answer schema is reached by its JSON pointer.
    ajv = new Ajv2020({ strict: false, allErrors: true })
    addFormats(ajv)
    ajv.addSchema({ ...doc, $id: DOC_ID })
    for (const name of Object.keys(doc.components.schemas)) validatorFor(DOC_ID + pointer(['components', 'schemas', name]))
    let n = 0
    for (const [p, item] of Object.entries(doc.paths))
      for (const [m, op] of Object.entries(item))
        for (const [key, resp] of Object.entries(op.responses))
          for (const type of Object.keys(resp.content ?? {})) {
            validatorFor(DOC_ID + pointer(['paths', p, m, 'responses', key, 'content', type, 'schema']))
            n += 1
          }
    console.log(`    (${Object.keys(doc.components.schemas).length} component schemas, ${n} answer schemas compiled)`)
  })

  const stamp = Date.now().toString(36)
  const kacho = new Client()
  let sectionId = ''
  let shokuinId = ''
  let shokuinTemp = ''

  await step('the admin signs in through the API (password change, TOTP) and sets up a section, a 課長 and a 職員', async () => {
    await signIn(client, ADMIN, ADMIN_TEMP, strongPassword())
    const units = await checked(client, 'GET', '/api/v1/org-units', '/org-units?per_page=1000', undefined, 200)
    const town = units.items.find((u) => u.kind === 'city')
    expect(town, 'no city unit')
    const bureau = await checked(client, 'POST', '/api/v1/org-units', '/org-units', { code: `B${stamp}`, name: '総務部', kind: 'bureau', parent_id: town.id }, 201)
    const section = await checked(client, 'POST', '/api/v1/org-units', '/org-units', { code: `S${stamp}`, name: '情報推進課', kind: 'section', parent_id: bureau.id }, 201)
    sectionId = section.id
    const k = await checked(client, 'POST', '/api/v1/users', '/users', { login_id: `oa-kacho-${stamp}`, name: '佐藤 一郎', org_unit_id: sectionId, employment_type: 'regular' }, 201)
    const s = await checked(client, 'POST', '/api/v1/users', '/users', { login_id: `oa-shokuin-${stamp}`, name: '山田 花子', org_unit_id: sectionId, employment_type: 'regular' }, 201)
    shokuinId = s.id
    shokuinTemp = s.temporary_password
    await checked(client, 'POST', '/api/v1/role-assignments', '/role-assignments', { user_id: k.id, role: 'kacho', scope_type: 'org_unit', scope_id: sectionId }, 201)
    await checked(client, 'POST', '/api/v1/role-assignments', '/role-assignments', { user_id: s.id, role: 'shokuin', scope_type: 'org_unit', scope_id: sectionId }, 201)
    await signIn(kacho, `oa-kacho-${stamp}`, k.temporary_password, strongPassword())
  })

  const L = '/api/v1/lending'
  let record = null

  await step('the lending book: list, create, get and patch answer as the document says', async () => {
    const empty = await checked(kacho, 'GET', L, '/lending', undefined, 200)
    expect(empty.total === 0 && empty.items.length === 0, `a new lending book lists ${empty.total}`)
    record = await checked(kacho, 'POST', L, '/lending', { device: 'PC-014 ノートPC', kind: 'laptop', owner_org_unit_id: sectionId, notes: '予備機' }, 201)
    expect(record.state === 'available' && record.version === 1, `created as ${record.state} v${record.version}`)
    const list = await checked(kacho, 'GET', L, '/lending?per_page=50', undefined, 200)
    expect(list.total === 1 && list.items[0].id === record.id, 'the list does not show the new record')
    const filtered = await checked(kacho, 'GET', L, `/lending?state=available&kind=laptop&q=${encodeURIComponent('PC-014')}`, undefined, 200)
    expect(filtered.total === 1, `the filtered list shows ${filtered.total}`)
    const got = await checked(kacho, 'GET', `${L}/{id}`, `/lending/${record.id}`, undefined, 200)
    expect(got.device === 'PC-014 ノートPC', `got ${got.device}`)
    record = await checked(kacho, 'PATCH', `${L}/{id}`, `/lending/${record.id}`, { version: got.version, notes: '充電器つき', kind: 'tablet' }, 200)
    expect(record.notes === '充電器つき' && record.kind === 'tablet' && record.version === 2, `the patch gave ${JSON.stringify(record)}`)
  })

  await step('each transition (lend with borrower and due date, return, retire with a note) answers the record schema', async () => {
    const T = (a) => `${L}/{id}/transitions/${a}`
    record = await checked(kacho, 'POST', T('lend'), `/lending/${record.id}/transitions/lend`, { fields: { borrower: shokuinId, due_on: jstDate(7), purpose: '出張' } }, 200)
    expect(record.state === 'lent' && record.borrower === shokuinId && record.due_on === jstDate(7), `after lend: ${JSON.stringify(record)}`)
    expect(typeof record.deadline_at === 'string', 'a lent record has no deadline_at')
    record = await checked(kacho, 'POST', T('return'), `/lending/${record.id}/transitions/return`, {}, 200)
    expect(record.state === 'available' && record.borrower === null && record.due_on === null, `after return: ${JSON.stringify(record)}`)
    record = await checked(kacho, 'POST', T('retire'), `/lending/${record.id}/transitions/retire`, { note: '故障のため廃止' }, 200)
    expect(record.state === 'retired' && record.available_actions.length === 0, `after retire: ${JSON.stringify(record)}`)
    const history = await checked(kacho, 'GET', `${L}/{id}/history`, `/lending/${record.id}/history`, undefined, 200)
    expect(history.total >= 4 && Array.isArray(history.items), `the history has ${history.total} entries`)
  })

  await step('bad input answers 422 with a problem document that matches the Problem schema', async () => {
    const created = await checked(kacho, 'POST', L, '/lending', { device: 'PC-015', kind: 'laptop', owner_org_unit_id: sectionId }, 201)
    const bads = [
      ['POST', L, '/lending', { device: '', kind: 'laptop', owner_org_unit_id: sectionId }],
      ['POST', L, '/lending', { device: 'PC-016', kind: 'spaceship', owner_org_unit_id: sectionId }],
      ['POST', L, '/lending', { device: 'PC-017', kind: 'laptop', owner_org_unit_id: sectionId, surprise: 1 }],
      ['PATCH', `${L}/{id}`, `/lending/${created.id}`, { version: created.version, device: 'x'.repeat(101) }],
      ['POST', `${L}/{id}/transitions/lend`, `/lending/${created.id}/transitions/lend`, { fields: { borrower: shokuinId, due_on: jstDate(-3) } }],
      ['POST', `${L}/{id}/transitions/lend`, `/lending/${created.id}/transitions/lend`, { fields: { due_on: jstDate(3) } }],
    ]
    for (const [method, template, path, body] of bads) {
      const p = await checked(kacho, method, template, path, body, 422)
      expect(Array.isArray(p.errors) && p.errors.length > 0 && p.errors.every((e) => e.field), `${method} ${path}: the problem names no field: ${JSON.stringify(p)}`)
    }
    // Nothing changed: the record is as created.
    const after = await checked(kacho, 'GET', `${L}/{id}`, `/lending/${created.id}`, undefined, 200)
    expect(after.version === created.version && after.state === 'available' && after.device === 'PC-015', `bad input changed the record: ${JSON.stringify(after)}`)
    const list = await checked(kacho, 'GET', L, '/lending', undefined, 200)
    expect(list.total === 2, `bad input created records: ${list.total}`)
  })

  // The information system ledger is a built-in register: its schemas come from its spec too.
  await step('the system ledger (a built-in register): create, list, get, patch and its problems answer as the document says', async () => {
    const S = '/api/v1/systems'
    const sys = await checked(client, 'POST', S, '/systems', { name: `基幹系-${stamp}`, owner_org_unit_id: sectionId, network_zone: 'mynumber', hosting: 'on_premises', sla_availability: '99.9', rto_minutes: 240 }, 201)
    expect(sys.network_zone_label === 'マイナンバー利用事務系' && sys.sla_availability === '99.9', `system: ${JSON.stringify(sys)}`)
    await checked(client, 'GET', S, `/systems?network_zone=mynumber&q=${encodeURIComponent('基幹系')}`, undefined, 200)
    const got = await checked(client, 'GET', `${S}/{id}`, `/systems/${sys.id}`, undefined, 200)
    await checked(client, 'PATCH', `${S}/{id}`, `/systems/${sys.id}`, { version: got.version, rto_minutes: null, hosting: 'cloud' }, 200)
    await checked(client, 'GET', `${S}/{id}/history`, `/systems/${sys.id}/history`, undefined, 200)
    for (const body of [{ name: 'x', owner_org_unit_id: sectionId, network_zone: 'dmz', hosting: 'cloud' }, { name: 'x', owner_org_unit_id: sectionId, network_zone: 'lgwan', hosting: 'cloud', sla_availability: '101' }, { name: 'x', owner_org_unit_id: sectionId, network_zone: 'lgwan', hosting: 'cloud', id: 'mine' }]) {
      const p = await checked(client, 'POST', S, '/systems', body, 422)
      expect(p.errors?.length > 0, `no field named: ${JSON.stringify(p)}`)
    }
  })

  const shokuin = new Client()
  const people = { admin: client, kacho, shokuin }
  let asset = null
  let request = null
  const NO_SUCH = '0123456789abcdef0123456789abcdef'

  await step('the session, my sessions, the policy, the catalogue, vacancies, verification and health answer as the document says', async () => {
    await signIn(shokuin, `oa-shokuin-${stamp}`, shokuinTemp, strongPassword())
    for (const who of Object.values(people)) {
      const me = await checked(who, 'GET', '/api/v1/session', '/session', undefined, 200)
      expect(me.user && Array.isArray(me.roles) && typeof me.csrf_token === 'string', `GET /session: ${JSON.stringify(me)}`)
      await checked(who, 'GET', '/api/v1/me/sessions', '/me/sessions', undefined, 200)
    }
    const policy = await checked(kacho, 'GET', '/api/v1/policy', '/policy', undefined, 200)
    expect(policy.request_types.some((t) => t.id === 'baitai'), 'the policy lists no baitai request type')
    const catalogue = await checked(kacho, 'GET', '/api/v1/registers', '/registers', undefined, 200)
    expect(catalogue.items.some((r) => r.id === 'lending' && r.kind === 'register'), 'the catalogue has no lending register')
    await checked(client, 'GET', '/api/v1/approver-vacancies', '/approver-vacancies', undefined, 200)
    const verified = await checked(client, 'GET', '/api/v1/audit-log/verify', '/audit-log/verify', undefined, 200)
    expect(verified.ok === true, `the log does not verify: ${JSON.stringify(verified)}`)
    await checked(client, 'GET', '/healthz', '/healthz', undefined, 200)
    await checked(client, 'GET', '/readyz', '/readyz', undefined, 200)
    // A session route without a session: 401 with a problem document.
    await checked(new Client(), 'GET', '/api/v1/session', '/session', undefined, 401)
    // A wrong password: 401; a second sign-in of someone enrolled owes the code (POST /session/mfa).
    await checked(new Client(), 'POST', '/api/v1/session', '/session', { login_id: ADMIN, password: 'not-the-password' }, 401)
    await checked(new Client(), 'POST', '/api/v1/session', '/session', { login_id: ADMIN }, 422)
    const admin = credentials[ADMIN]
    if (admin.secret) {
      const again = new Client()
      const owed = await checked(again, 'POST', '/api/v1/session', '/session', { login_id: ADMIN, password: admin.password }, 200)
      expect(owed.mfa_required === true, `a second sign-in owes no code: ${JSON.stringify(owed)}`)
      await checked(again, 'GET', '/api/v1/users', '/users', undefined, 403)
      await checked(again, 'POST', '/api/v1/session/mfa', '/session/mfa', { code: 'abc', extra: 1 }, 422)
      const { code, step } = await freshCode(admin.secret, admin.step)
      admin.step = step
      const done = await checked(again, 'POST', '/api/v1/session/mfa', '/session/mfa', { code }, 200)
      expect(done.mfa_required === false, `after the code: ${JSON.stringify(done)}`)
      await checked(again, 'DELETE', '/api/v1/session', '/session', undefined, 204)
    }
  })

  await step('users, role assignments and org units: list, get, change, history, the account actions, and their problems', async () => {
    const list = await checked(client, 'GET', '/api/v1/users', `/users?q=oa-&status=active&per_page=10`, undefined, 200)
    expect(list.items.some((u) => u.id === shokuinId), 'the user list does not show the 職員')
    const got = await checked(client, 'GET', '/api/v1/users/{id}', `/users/${shokuinId}`, undefined, 200)
    const changed = await checked(client, 'PATCH', '/api/v1/users/{id}', `/users/${shokuinId}`, { version: got.version, email: `yamada-${stamp}@example.jp` }, 200)
    expect(changed.email === `yamada-${stamp}@example.jp` && Array.isArray(changed.roles_ended), `the patch gave ${JSON.stringify(changed)}`)
    await checked(client, 'GET', '/api/v1/users/{id}/history', `/users/${shokuinId}/history`, undefined, 200)
    const roles = await checked(client, 'GET', '/api/v1/role-assignments', `/role-assignments?user_id=${shokuinId}`, undefined, 200)
    expect(roles.total === 1 && roles.items[0].role === 'shokuin', `the 職員's roles: ${JSON.stringify(roles)}`)
    await checked(kacho, 'GET', '/api/v1/org-units', '/org-units', undefined, 200)
    // A throwaway ID: suspend, resume, a new temporary password, end its sessions, delete it.
    const temp = await checked(client, 'POST', '/api/v1/users', '/users', { login_id: `oa-temp-${stamp}`, name: '一時 利用者', org_unit_id: sectionId, employment_type: 'fixed_term', expires_on: jstDate(90) }, 201)
    await checked(client, 'POST', '/api/v1/users/{id}/suspend', `/users/${temp.id}/suspend`, undefined, 204)
    await checked(client, 'POST', '/api/v1/users/{id}/resume', `/users/${temp.id}/resume`, undefined, 204)
    const reissued = await checked(client, 'POST', '/api/v1/users/{id}/reset-password', `/users/${temp.id}/reset-password`, undefined, 200)
    expect(typeof reissued.temporary_password === 'string' && reissued.temporary_password.length > 0, 'no temporary password')
    await checked(client, 'DELETE', '/api/v1/users/{id}/sessions', `/users/${temp.id}/sessions`, undefined, 200)
    await checked(client, 'POST', '/api/v1/users/{id}/reset-mfa', `/users/${temp.id}/reset-mfa`, { reason: '端末の紛失' }, 204)
    await checked(client, 'POST', '/api/v1/users/{id}/reset-mfa', `/users/${temp.id}/reset-mfa`, { reason: 'x'.repeat(401) }, 422)
    await checked(client, 'DELETE', '/api/v1/users/{id}', `/users/${temp.id}`, undefined, 204)
    // Problems: a bad field (422), a stale version (409), an unknown id (404), a role without the permission (403).
    const bad = await checked(client, 'POST', '/api/v1/users', '/users', { login_id: 'x', name: '', org_unit_id: sectionId, employment_type: 'astronaut' }, 422)
    for (const f of ['login_id', 'name', 'employment_type']) expect(bad.errors.some((e) => e.field === f), `the 422 does not name ${f}: ${JSON.stringify(bad)}`)
    await checked(client, 'PATCH', '/api/v1/users/{id}', `/users/${shokuinId}`, { version: got.version, name: '古い版' }, 409)
    await checked(client, 'GET', '/api/v1/users/{id}', `/users/${NO_SUCH}`, undefined, 404)
    await checked(kacho, 'POST', '/api/v1/org-units', '/org-units', { code: `X${stamp}`, name: '無断の課', kind: 'section', parent_id: sectionId }, 403)
    await checked(client, 'POST', '/api/v1/role-assignments', '/role-assignments', { user_id: shokuinId, role: 'shokuin', scope_type: 'galaxy' }, 422)
    const after = await checked(client, 'GET', '/api/v1/users/{id}', `/users/${shokuinId}`, undefined, 200)
    expect(after.version === changed.version && after.name === '山田 花子', `a refused change changed the user: ${JSON.stringify(after)}`)
  })

  await step('assets: create, list with filters, get, patch, history, export, template, and their problems', async () => {
    asset = await checked(kacho, 'POST', '/api/v1/assets', '/assets', { name: `研修用USBメモリ ${stamp}`, kind: 'removable_medium', owner_org_unit_id: sectionId, confidentiality: 2, integrity: 2, availability: 2, handling: ['施錠保管'], location: '情報推進課 書庫' }, 201)
    expect(asset.state === 'in_use' && asset.version === 1 && typeof asset.label === 'string', `created ${JSON.stringify(asset)}`)
    const list = await checked(kacho, 'GET', '/api/v1/assets', `/assets?kind=removable_medium&state=in_use&owner_org_unit_id=${sectionId}&per_page=20`, undefined, 200)
    expect(list.items.some((a) => a.id === asset.id), 'the filtered asset list misses the new asset')
    const got = await checked(shokuin, 'GET', '/api/v1/assets/{id}', `/assets/${asset.id}`, undefined, 200)
    asset = await checked(kacho, 'PATCH', '/api/v1/assets/{id}', `/assets/${asset.id}`, { version: got.version, location: null, handling: ['施錠保管', '持出し禁止'] }, 200)
    expect(asset.location === null && asset.version === 2, `the asset patch gave ${JSON.stringify(asset)}`)
    const history = await checked(kacho, 'GET', '/api/v1/assets/{id}/history', `/assets/${asset.id}/history`, undefined, 200)
    expect(history.total >= 2, `the asset history has ${history.total} entries`)
    await checked(kacho, 'GET', '/api/v1/assets/export', '/assets/export?format=csv&lang=en', undefined, 200)
    await checked(kacho, 'GET', '/api/v1/assets/import-template', '/assets/import-template', undefined, 200)
    // The import takes the CSV file itself: a dry run (200), the real one (201), a bad row (422 naming row and column).
    const I = '/api/v1/assets/import'
    const csv = (rows) => ['name,kind,owner_code,confidentiality,integrity,availability', ...rows].join('\r\n') + '\r\n'
    const good = csv([`取込テスト1 ${stamp},electronic_data,S${stamp},2,2,2`, `取込テスト2 ${stamp},paper_document,S${stamp},1,1,1`])
    const preview = await checked(kacho, 'POST', I, '/assets/import?dry_run=true&encoding=utf-8', good, 200, 'text/csv')
    expect(preview.dry_run === true && preview.rows === 2, `the dry run: ${JSON.stringify(preview)}`)
    const imported = await checked(kacho, 'POST', I, '/assets/import?file_name=openapi.csv', good, 201, 'text/csv')
    expect(imported.imported === 2 && imported.ids.length === 2, `the import: ${JSON.stringify(imported)}`)
    const rejected = await checked(kacho, 'POST', I, '/assets/import', csv([`取込テスト3 ${stamp},spaceship,S${stamp},2,2,2`]), 422, 'text/csv')
    expect(rejected.errors.some((e) => e.row === 2 && e.field === 'kind'), `the bad row is not named: ${JSON.stringify(rejected)}`)
    const bad = await checked(kacho, 'POST', '/api/v1/assets', '/assets', { name: 'x', kind: 'spaceship', owner_org_unit_id: sectionId, confidentiality: 9, integrity: 2, availability: 2 }, 422)
    for (const f of ['kind', 'confidentiality']) expect(bad.errors.some((e) => e.field === f), `the 422 does not name ${f}: ${JSON.stringify(bad)}`)
    await checked(kacho, 'PATCH', '/api/v1/assets/{id}', `/assets/${asset.id}`, { version: 1, name: '古い版' }, 409)
    await checked(kacho, 'PATCH', '/api/v1/assets/{id}', `/assets/${asset.id}`, { version: asset.version, state: 'disposed' }, 422)
    await checked(kacho, 'GET', '/api/v1/assets/{id}', `/assets/${NO_SUCH}`, undefined, 404)
    await checked(kacho, 'GET', '/api/v1/assets', '/assets?per_page=500', undefined, 422)
    const same = await checked(kacho, 'GET', '/api/v1/assets/{id}', `/assets/${asset.id}`, undefined, 200)
    expect(same.version === asset.version && same.state === 'in_use', `a refused change changed the asset: ${JSON.stringify(same)}`)
  })

  await step('a request: the 職員 drafts and submits it, the 課長 approves it; lists, notifications, the log and their problems', async () => {
    request = await checked(shokuin, 'POST', '/api/v1/requests', '/requests', { type: 'baitai', asset_ids: [asset.id], fields: { purpose: '研修資料の持参', private_medium: false }, draft: true }, 201)
    expect(request.state === 'draft' && request.actions.submit === true, `the draft: ${JSON.stringify(request)}`)
    request = await checked(shokuin, 'POST', '/api/v1/requests/{id}/submit', `/requests/${request.id}/submit`, undefined, 200)
    const inbox = await checked(kacho, 'GET', '/api/v1/requests', '/requests?inbox=true', undefined, 200)
    expect(inbox.items.some((r) => r.id === request.id), 'the 課長 inbox misses the request')
    await checked(shokuin, 'POST', '/api/v1/requests/{id}/approve', `/requests/${request.id}/approve`, { note: '自分で承認' }, 403)
    request = await checked(kacho, 'POST', '/api/v1/requests/{id}/approve', `/requests/${request.id}/approve`, { note: '承認します' }, 200)
    expect(request.state === 'approved' && request.decided_by !== null, `after approval: ${JSON.stringify(request)}`)
    await checked(kacho, 'POST', '/api/v1/requests/{id}/approve', `/requests/${request.id}/approve`, {}, 409)
    await checked(shokuin, 'GET', '/api/v1/requests/{id}', `/requests/${request.id}`, undefined, 200)
    await checked(shokuin, 'GET', '/api/v1/requests', '/requests?mine=true', undefined, 200)
    const completed = await checked(shokuin, 'POST', '/api/v1/requests/{id}/complete', `/requests/${request.id}/complete`, { completion: {} }, 200)
    expect(completed.state !== 'approved', `complete left the request ${completed.state}`)
    const second = await checked(shokuin, 'POST', '/api/v1/requests', '/requests', { type: 'baitai', asset_ids: [asset.id], fields: { purpose: '予備', private_medium: false }, draft: true }, 201)
    const withdrawn = await checked(shokuin, 'POST', '/api/v1/requests/{id}/withdraw', `/requests/${second.id}/withdraw`, undefined, 200)
    expect(withdrawn.state === 'withdrawn', `after withdraw: ${withdrawn.state}`)
    await checked(shokuin, 'POST', '/api/v1/requests/{id}/withdraw', `/requests/${second.id}/withdraw`, undefined, 409)
    await checked(shokuin, 'POST', '/api/v1/requests', '/requests', { type: 'baitai', asset_ids: [asset.id], fields: { purpose: '私物', private_medium: true } }, 403)
    await checked(shokuin, 'POST', '/api/v1/requests', '/requests', { type: 'nosuch', asset_ids: [asset.id] }, 422)
    await checked(kacho, 'POST', '/api/v1/requests/{id}/reject', `/requests/${request.id}/reject`, {}, 422)
    await checked(kacho, 'GET', '/api/v1/requests/{id}', `/requests/${NO_SUCH}`, undefined, 404)
    for (const who of [kacho, shokuin]) {
      const notes = await checked(who, 'GET', '/api/v1/notifications', '/notifications', undefined, 200)
      if (notes.items.length) await checked(who, 'POST', '/api/v1/notifications/{id}/read', `/notifications/${notes.items[0].id}/read`, undefined, 200)
      await checked(who, 'POST', '/api/v1/notifications/read-all', '/notifications/read-all', undefined, 200)
    }
    await checked(kacho, 'POST', '/api/v1/notifications/{id}/read', `/notifications/${NO_SUCH}/read`, undefined, 404)
    // The records awaiting each person (docs/registers.md "Escalation, tasks and reporters").
    for (const who of [kacho, shokuin]) await checked(who, 'GET', '/api/v1/me/tasks', '/me/tasks', undefined, 200)
    const log = await checked(client, 'GET', '/api/v1/audit-log', `/audit-log?target_type=request&per_page=20`, undefined, 200)
    expect(log.items.some((e) => e.action === 'request.approve'), 'the log does not show the approval')
    await checked(client, 'GET', '/api/v1/audit-log', '/audit-log?result=maybe', undefined, 422)
    await checked(client, 'GET', '/api/v1/audit-log/export', '/audit-log/export?action=request.approve', undefined, 200)
  })

  await step('the validation can fail: a record, an asset, a request, a user or a problem with a key added or removed does not match', async () => {
    const validate = validatorFor(DOC_ID + pointer(['paths', `${L}/{id}`, 'get', 'responses', '200', 'content', 'application/json', 'schema']))
    expect(validate(record), 'the real record does not validate')
    const extra = { ...structuredClone(record), surprise: 'not in the document' }
    expect(!validate(extra), 'a record with an extra key passed the schema')
    expect(validate.errors.some((e) => e.keyword === 'additionalProperties' && e.params.additionalProperty === 'surprise'), `wrong error for the extra key: ${ajv.errorsText(validate.errors)}`)
    const missing = structuredClone(record)
    delete missing.state
    expect(!validate(missing), 'a record without its state passed the schema')
    expect(validate.errors.some((e) => e.keyword === 'required' && e.params.missingProperty === 'state'), `wrong error for the missing key: ${ajv.errorsText(validate.errors)}`)
    const wrongType = { ...structuredClone(record), version: 'two' }
    expect(!validate(wrongType), 'a record with a text version passed the schema')
    const list = validatorFor(DOC_ID + pointer(['paths', L, 'get', 'responses', '200', 'content', 'application/json', 'schema']))
    expect(!list({ items: [extra], total: 1 }), 'a list holding a record with an extra key passed the schema')
    // The same for the fixed resources: an asset, a request, a user, a problem document.
    const schemaOf = (path, method, status, type = 'application/json') =>
      validatorFor(DOC_ID + pointer(['paths', path, method, 'responses', status, 'content', type, 'schema']))
    for (const [what, path, method, status, value, key] of [
      ['asset', '/api/v1/assets/{id}', 'get', '200', asset, 'label'],
      ['request', '/api/v1/requests/{id}', 'get', '200', request, 'available_actions'],
      ['user', '/api/v1/users/{id}', 'get', '200', (await client.call('GET', `/users/${shokuinId}`)).body, 'status'],
      ['problem', '/api/v1/users/{id}', 'get', '404', (await client.call('GET', `/users/${NO_SUCH}`)).body, 'detail'],
    ]) {
      const v = schemaOf(path, method, status, what === 'problem' ? 'application/problem+json' : 'application/json')
      expect(v(value), `the real ${what} does not validate: ${ajv.errorsText(v.errors)}`)
      expect(!v({ ...structuredClone(value), surprise: 1 }), `a ${what} with an extra key passed the schema`)
      const cut = structuredClone(value)
      delete cut[key]
      expect(!v(cut), `a ${what} without ${key} passed the schema`)
    }
  })
}

try {
  await main()
  console.log(`\nopenapi: ${steps.length} steps passed; ${validated.length} answers validated against the document:`)
  for (const v of [...new Set(validated)]) console.log(`  ${v}`)
} catch (e) {
  console.error(`\nopenapi: FAILED: ${e.message}`)
  process.exit(1)
}
