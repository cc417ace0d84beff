#!/usr/bin/env node
// The failover drill, run by ctest (test `ha_failover`): a PostgreSQL pair under
// pg_auto_failover (scripts/ha-cluster.sh), two `mamori serve` nodes sharing it, HAProxy in front
// of both with the repository's deploy/haproxy/haproxy.cfg. Write load goes through HAProxy to
// both nodes; the primary's machine is "killed" (keeper and PostgreSQL, kill -9); the load goes
// on. Then:
//   - every write that was acknowledged (201) must be in the database: lost writes = 0;
//   - every write that was not acknowledged was answered 503 `unavailable` with Retry-After
//     (a problem document) — never a 500, never another code;
//   - writes succeed again within a bound, and the time it took is printed;
//   - `mamori log verify`, pinned to the signing key and checked against each node's witness,
//     finds the chain whole.
// Prints the figures (FIGURES line, also written to $MAMORI_HA_FIGURES when set).
//
//   node tests/ha/failover.mjs path/to/mamori
//
// Ports 43000-43099: 43000 monitor, 43001/43002 PostgreSQL, 43011/43012 the app nodes, 43020
// HAProxy. Exit 77 (ctest: skipped) when pg_auto_failover or HAProxy is not installed.

import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '../..')
const bin = path.resolve(process.argv[2] ?? path.join(root, 'build/mamori'))
const base = Number(process.env.MAMORI_HA_BASEPORT ?? 43000)
const ports = { monitor: base, app1: base + 11, app2: base + 12, lb: base + 20 }
// How long the load runs after the kill at most, and the bound on the failover time.
const maxOutageMs = Number(process.env.MAMORI_HA_MAX_OUTAGE_MS ?? 60000)
const workers = 4

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const log = (m) => console.log(`ha: ${m}`)
let failed = false
function check(ok, what) {
  if (!ok) {
    failed = true
    console.error(`ha: FAILED: ${what}`)
  }
}

for (const tool of ['pg_autoctl', 'haproxy', 'openssl']) {
  if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0) {
    console.log(`ha: SKIPPED: ${tool} is not installed (scripts/install-deps.sh --test installs it)`)
    process.exit(77)
  }
}
if (!fs.existsSync(bin)) {
  console.error(`ha: no mamori binary at ${bin}`)
  process.exit(1)
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-ha-'))
fs.chmodSync(dir, 0o755) // the postgres account runs the cluster in DIR/pg
const cluster = path.join(dir, 'pg')
const children = []

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts })
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`)
  return r.stdout
}
const haCluster = (...args) => run(path.join(root, 'scripts/ha-cluster.sh'), args)

function cleanup() {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL')
  spawnSync(path.join(root, 'scripts/ha-cluster.sh'), ['stop', cluster])
  if (!process.env.MAMORI_KEEP_DATA) fs.rmSync(dir, { recursive: true, force: true })
  else log(`kept ${dir}`)
}

// One HTTPS request; resolves {status, headers, body} or {status: 0, error} on a network error.
function request(port, method, p, { body, cookie, csrf, ca } = {}) {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
    const headers = { accept: 'application/json' }
    if (data) Object.assign(headers, { 'content-type': 'application/json', 'content-length': data.length })
    if (cookie) headers.cookie = cookie
    if (csrf) headers['x-csrf-token'] = csrf
    const req = https.request(
      { host: '127.0.0.1', port, method, path: p, headers, ca, rejectUnauthorized: !!ca, timeout: 30000, agent: false },
      (res) => {
        const chunks = []
        res.on('data', (c) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8')
          let json
          try {
            json = text ? JSON.parse(text) : undefined
          } catch {
            json = undefined
          }
          resolve({ status: res.statusCode, headers: res.headers, json, text })
        })
      },
    )
    req.on('error', (e) => resolve({ status: 0, error: e.message }))
    req.on('timeout', () => req.destroy(new Error('timeout')))
    if (data) req.write(data)
    req.end()
  })
}

function base32Decode(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'
  let bits = 0
  let value = 0
  const out = []
  for (const ch of s.replace(/=+$/, '').toUpperCase()) {
    value = (value << 5) | alphabet.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
  }
  return Buffer.from(out)
}

// RFC 6238 code for the current 30 s step (HMAC from Node's crypto).
function totpNow(secret) {
  const msg = Buffer.alloc(8)
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 30000)))
  const h = crypto.createHmac('sha1', base32Decode(secret)).update(msg).digest()
  const o = h[h.length - 1] & 0x0f
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1_000_000).padStart(6, '0')
}

function sessionCookie(res) {
  const set = res.headers['set-cookie'] ?? []
  for (const c of set) if (c.startsWith('__Host-mamori_session=')) return c.split(';')[0]
  return undefined
}

async function waitFor(what, fn, ms = 60000) {
  const until = Date.now() + ms
  while (Date.now() < until) {
    if (await fn()) return
    await sleep(200)
  }
  throw new Error(`timed out waiting for ${what}`)
}

async function main() {
  // 1. The database pair.
  let t = Date.now()
  const url = haCluster('start', cluster, String(base)).trim().split('\n').pop()
  log(`cluster up in ${((Date.now() - t) / 1000).toFixed(1)} s: ${url}`)

  // 2. Two app nodes over it: one data directory initialised, copied for the second (they share
  //    the keys, the pack and the database; each keeps its own witness file).
  const app1 = path.join(dir, 'app1')
  const app2 = path.join(dir, 'app2')
  const temp = `Ha-${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'q')}-9z`
  const init = run(bin, ['init', '--data', app1, '--admin', 'ha-admin', '--db', url, '--approver', 'ha-approver'], {
    input: `${temp}\n${temp}x\n`,
  })
  const keyId = /operation-log signing key: (\S+)/.exec(init)?.[1]
  check(!!keyId, 'init printed the signing key id')
  run('cp', ['-a', app1, app2])
  const cfg2 = path.join(app2, 'mamori.yaml')
  fs.writeFileSync(cfg2, fs.readFileSync(cfg2, 'utf8').replaceAll(app1, app2), { mode: 0o600 })
  for (const [name, data] of [
    ['app1', app1],
    ['app2', app2],
  ]) {
    const out = fs.openSync(path.join(dir, `${name}.log`), 'a', 0o600)
    const child = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${ports[name]}`], {
      stdio: ['ignore', out, out],
    })
    children.push(child)
  }
  for (const name of ['app1', 'app2'])
    await waitFor(`${name} /healthz`, async () => (await request(ports[name], 'GET', '/healthz')).status === 200)
  const appCa = fs.readFileSync(path.join(app1, 'tls/cert.pem'))

  // 3. HAProxy with the repository's config; a certificate of its own for clients.
  const lbKey = path.join(dir, 'lb-key.pem')
  const lbCrt = path.join(dir, 'lb-crt.pem')
  run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', lbKey, '-out', lbCrt])
  fs.writeFileSync(path.join(dir, 'lb.pem'), fs.readFileSync(lbCrt, 'utf8') + fs.readFileSync(lbKey, 'utf8'), { mode: 0o600 })
  const lbCa = fs.readFileSync(lbCrt)
  const haproxyBin = fs.existsSync('/usr/sbin/haproxy') ? '/usr/sbin/haproxy' : 'haproxy'
  const lbOut = fs.openSync(path.join(dir, 'haproxy.log'), 'a', 0o600)
  children.push(
    spawn(haproxyBin, ['-db', '-f', path.join(root, 'deploy/haproxy/haproxy.cfg')], {
      stdio: ['ignore', lbOut, lbOut],
      env: {
        ...process.env,
        MAMORI_LB_BIND: `127.0.0.1:${ports.lb}`,
        MAMORI_LB_CERT: path.join(dir, 'lb.pem'),
        MAMORI_APP_CA: path.join(app1, 'tls/cert.pem'),
        MAMORI_APP1: `127.0.0.1:${ports.app1}`,
        MAMORI_APP2: `127.0.0.1:${ports.app2}`,
        MAMORI_LB_ERRORS: path.join(root, 'deploy/haproxy'),
      },
    }),
  )
  const lb = (method, p, opts = {}) => request(ports.lb, method, p, { ca: lbCa, ...opts })
  await waitFor('HAProxy', async () => (await lb('GET', '/healthz')).status === 200)
  // Both nodes healthy behind it (round robin answers from each).
  const seen = new Set()
  await waitFor('both nodes behind HAProxy', async () => {
    seen.add((await lb('GET', '/healthz')).headers?.['x-mamori-node'])
    return seen.has('app1') && seen.has('app2')
  })
  void appCa

  // 4. Sign in through HAProxy: temporary password → own password → TOTP enrolment.
  let r = await lb('POST', '/api/v1/session', { body: { login_id: 'ha-admin', password: temp } })
  check(r.status === 200, `sign-in answered ${r.status} ${r.text}`)
  let cookie = sessionCookie(r)
  let csrf = r.json?.csrf_token
  const own = `Fo-${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'w')}-3k`
  r = await lb('PUT', '/api/v1/me/password', { body: { current_password: temp, new_password: own }, cookie, csrf })
  check(r.status === 200 || r.status === 204, `password change answered ${r.status} ${r.text}`)
  if (sessionCookie(r)) cookie = sessionCookie(r)
  if (r.json?.csrf_token) csrf = r.json.csrf_token
  r = await lb('POST', '/api/v1/me/mfa/totp', { cookie, csrf })
  if (r.status === 200 && r.json?.secret) {
    const secret = r.json.secret
    r = await lb('POST', '/api/v1/me/mfa/totp/confirm', { body: { code: totpNow(secret) }, cookie, csrf })
    check(r.status === 200 || r.status === 204, `TOTP confirmation answered ${r.status} ${r.text}`)
    if (sessionCookie(r)) cookie = sessionCookie(r)
    if (r.json?.csrf_token) csrf = r.json.csrf_token
  }
  r = await lb('GET', '/api/v1/org-units', { cookie })
  check(r.status === 200, `org-units answered ${r.status} ${r.text}`)
  const units = r.json?.items ?? r.json ?? []
  const city = units.find((u) => u.kind === 'city')
  if (!city) throw new Error(`no city unit in ${r.text}`)

  // 5. Write load through both nodes: each write a new department with a unique code.
  const results = [] // {code, start, end, status, node, type, retryAfter}
  let stop = false
  let next = 0
  const runId = crypto.randomBytes(3).toString('hex')
  async function worker() {
    while (!stop) {
      const code = `ha${runId}${String(next++).padStart(6, '0')}`
      const start = Date.now()
      const res = await lb('POST', '/api/v1/org-units', {
        body: { code, name: `フェイルオーバー試験 ${code}`, kind: 'bureau', parent_id: city.id },
        cookie,
        csrf,
      })
      results.push({
        code,
        start,
        end: Date.now(),
        status: res.status,
        node: res.headers?.['x-mamori-node'],
        type: res.json?.type,
        retryAfter: res.headers?.['retry-after'],
        text: res.status === 201 ? '' : (res.text ?? res.error ?? '').slice(0, 200),
      })
      // A refused write is retried after a short pause (a client honouring Retry-After would
      // wait longer; the drill wants to see the first moment writes work again).
      if (res.status !== 201) await sleep(100)
    }
  }
  const load = Array.from({ length: workers }, worker)
  await sleep(3000)
  const before = results.filter((x) => x.status === 201).length
  check(before > 0, 'writes succeed before the kill')

  // 6. Kill the primary's machine: keeper and PostgreSQL at once.
  const primary = haCluster('primary', cluster).trim()
  // Synchronous replication is on: the primary waits for the standby before COMMIT returns.
  const primaryUrl = `postgresql://mamori@127.0.0.1:${base + Number(primary.replace('node', ''))}/mamori`
  const syncNames = run('psql', [primaryUrl, '-XAtc', 'SHOW synchronous_standby_names']).trim()
  const syncCommit = run('psql', [primaryUrl, '-XAtc', 'SHOW synchronous_commit']).trim()
  check(syncNames !== '' && syncCommit === 'on', `synchronous replication on the primary (standby names "${syncNames}", commit ${syncCommit})`)
  log(`killing ${primary} (the primary) after ${before} acknowledged writes`)
  const killedAt = Date.now()
  haCluster('kill', cluster, primary)
  // Load goes on until writes have succeeded again for 3 s (or the bound passes).
  let recoveredAt = 0
  await waitFor(
    'writes to succeed again',
    async () => {
      const firstFail = results.find((x) => x.start >= killedAt && x.status !== 201)
      const ok = results.find((x) => x.start >= killedAt && x.status === 201 && (!firstFail || x.start > firstFail.start))
      if (ok && !recoveredAt) recoveredAt = ok.end
      return recoveredAt && Date.now() - recoveredAt > 3000
    },
    maxOutageMs,
  ).catch((e) => check(false, e.message))
  stop = true
  await Promise.all(load)

  // 7. Count: acknowledged writes must all be there; the rest must be 503 with Retry-After.
  r = await lb('GET', '/api/v1/org-units', { cookie })
  check(r.status === 200, `org-units after failover answered ${r.status}`)
  const present = new Set((r.json?.items ?? r.json ?? []).map((u) => u.code))
  const acked = results.filter((x) => x.status === 201)
  const lost = acked.filter((x) => !present.has(x.code))
  const refused = results.filter((x) => x.status !== 201)
  const bad = refused.filter(
    (x) => !(x.status === 503 && x.type === '/problems/unavailable' && Number(x.retryAfter) > 0),
  )
  const unknownKept = refused.filter((x) => present.has(x.code)).length
  const nodes = new Set(acked.map((x) => x.node))
  check(nodes.has('app1') && nodes.has('app2'), `writes went through both nodes (${[...nodes].join(', ')})`)
  check(lost.length === 0, `${lost.length} acknowledged writes lost: ${lost.slice(0, 5).map((x) => x.code).join(', ')}`)
  check(bad.length === 0, `${bad.length} refused writes were not 503 unavailable with Retry-After, e.g. ${JSON.stringify(bad.slice(0, 3))}`)
  const failoverMs = recoveredAt ? recoveredAt - killedAt : -1
  check(failoverMs > 0 && failoverMs <= maxOutageMs, `writes succeed again after the kill (${failoverMs} ms)`)
  const firstFail = results.find((x) => x.start >= killedAt && x.status !== 201)
  const outageMs = firstFail && recoveredAt ? recoveredAt - firstFail.end : 0

  // 8. The killed node comes back as the new standby (pg_auto_failover rewinds it).
  haCluster('restart', cluster, primary)
  t = Date.now()
  haCluster('wait', cluster)
  const rejoinMs = Date.now() - t

  // 9. Stop the app nodes; verify the log with the pinned key against each node's witness.
  for (const c of children.slice(0, 2)) c.kill('SIGTERM')
  await Promise.all(children.slice(0, 2).map((c) => (c.exitCode !== null ? null : new Promise((res) => c.on('exit', res)))))
  for (const data of [app1, app2]) {
    const v = spawnSync(bin, ['log', 'verify', '--data', data, '--key-id', keyId ?? '', '--witness', path.join(data, 'witness')], {
      encoding: 'utf8',
    })
    check(v.status === 0 && /^ok:/m.test(v.stdout), `mamori log verify (${path.basename(data)} witness): ${v.stdout}${v.stderr}`)
    if (data === app1) log(`log verify: ${v.stdout.trim().split('\n').filter((l) => /^(ok|witness)/.test(l)).join(' / ')}`)
  }

  const figures = {
    acknowledged_before_kill: before,
    acknowledged_total: acked.length,
    acknowledged_lost: lost.length,
    refused_503: refused.length,
    refused_not_503: bad.length,
    refused_but_committed: unknownKept,
    killed: primary,
    synchronous_standby_names: syncNames,
    failover_ms: failoverMs,
    outage_seen_by_clients_ms: outageMs,
    rejoin_ms: rejoinMs,
    per_node: Object.fromEntries([...nodes].map((n) => [n, acked.filter((x) => x.node === n).length])),
  }
  console.log(`FIGURES ${JSON.stringify(figures)}`)
  if (process.env.MAMORI_HA_FIGURES) fs.writeFileSync(process.env.MAMORI_HA_FIGURES, JSON.stringify(figures, null, 2) + '\n')
}

try {
  await main()
} catch (e) {
  failed = true
  console.error(`ha: FAILED: ${e.stack ?? e}`)
  for (const f of ['app1.log', 'app2.log', 'haproxy.log']) {
    const p = path.join(dir, f)
    if (fs.existsSync(p)) console.error(`--- ${f} (tail)\n${fs.readFileSync(p, 'utf8').split('\n').slice(-15).join('\n')}`)
  }
} finally {
  cleanup()
}
log(failed ? 'FAILED' : 'passed')
process.exit(failed ? 1 : 0)
