#!/usr/bin/env node
// Runs a browser test script (run.mjs by default) against a fresh `mamori serve` of its
// own: a new data directory, `mamori init` with a random temporary password given on
// standard input, `mamori serve` on a free loopback port with the built web UI,
// then the script, then the server is stopped and the directory removed.
//
//   node tests/e2e/with-server.mjs [path/to/mamori]
//
// Environment: MAMORI_BIN (default ../../build/mamori), MAMORI_WEB_DIST (default
// ../../web/dist), MAMORI_POLICY (a policy pack for `mamori init --policy`; default
// the built-in Kobe pack), MAMORI_E2E_SCRIPT (the script to run, a path or a name beside
// this file; default run.mjs), MAMORI_SCREENSHOTS (passed on), MAMORI_KEEP_DATA=1 keeps the
// data directory. Exit status is the script's, or 1 if the server could not start.

import { spawn, spawnSync } from 'node:child_process'
import crypto from 'node:crypto'
import fs from 'node:fs'
import https from 'node:https'
import net from 'node:net'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
const bin = path.resolve(process.argv[2] ?? process.env.MAMORI_BIN ?? path.join(here, '../../build/mamori'))
const dist = path.resolve(process.env.MAMORI_WEB_DIST ?? path.join(here, '../../web/dist'))
const script = path.resolve(here, process.env.MAMORI_E2E_SCRIPT || 'run.mjs')

function fail(message) {
  console.error(`e2e: ${message}`)
  process.exit(1)
}

if (!fs.existsSync(bin)) fail(`no mamori binary at ${bin}`)
if (!fs.existsSync(script)) fail(`no test script at ${script}`)
if (!fs.existsSync(path.join(dist, 'index.html'))) fail(`no built web UI at ${dist} (run: cd web && npm ci && npm run build)`)

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.unref()
    s.on('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address()
      s.close(() => resolve(port))
    })
  })
}

function healthy(url) {
  return new Promise((resolve) => {
    const req = https.get(`${url}/healthz`, { rejectUnauthorized: false, timeout: 2000 }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    })
    req.on('error', () => resolve(false))
    req.on('timeout', () => {
      req.destroy()
      resolve(false)
    })
  })
}

const data = fs.mkdtempSync(path.join(os.tmpdir(), 'mamori-e2e-'))
// A temporary password the pack accepts: long, all four classes, random.
const temp = `Tq-${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'z')}-4x`
const admin = 'e2e-admin'

// The second person who approves grants of second-person roles (default pack only).
const approver = process.env.MAMORI_POLICY ? '' : 'e2e-approver'
const approverTemp = `Ap-${crypto.randomBytes(12).toString('base64url').replace(/[-_]/g, 'y')}-7k`

const initArgs = ['init', '--data', data, '--admin', admin]
if (process.env.MAMORI_POLICY) initArgs.push('--policy', path.resolve(process.env.MAMORI_POLICY))
else initArgs.push('--approver', approver)
const init = spawnSync(bin, initArgs, { input: approver ? `${temp}\n${approverTemp}\n` : `${temp}\n`, encoding: 'utf8' })
if (init.status !== 0) fail(`mamori init failed (${init.status}):\n${init.stdout}\n${init.stderr}`)

const port = await freePort()
const url = `https://127.0.0.1:${port}`
// Owner-only like every file of a data directory: serve refuses to start beside a looser one.
const log = fs.openSync(path.join(data, 'serve.log'), 'a', 0o600)
const server = spawn(bin, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--web', dist], {
  stdio: ['ignore', log, log],
})
let serverExited = false
server.on('exit', () => (serverExited = true))

function cleanup() {
  if (!serverExited) server.kill('SIGTERM')
  if (process.env.MAMORI_KEEP_DATA !== '1') fs.rmSync(data, { recursive: true, force: true })
  else console.log(`e2e: data kept in ${data}`)
}
process.on('SIGINT', () => {
  cleanup()
  process.exit(130)
})

let up = false
for (let i = 0; i < 100 && !serverExited; i++) {
  if (await healthy(url)) {
    up = true
    break
  }
  await new Promise((r) => setTimeout(r, 200))
}
if (!up) {
  const text = fs.readFileSync(path.join(data, 'serve.log'), 'utf8')
  cleanup()
  fail(`mamori serve did not become healthy at ${url}:\n${text}`)
}

const run = spawn(process.execPath, [script], {
  stdio: 'inherit',
  env: { ...process.env, MAMORI_URL: url, MAMORI_ADMIN_LOGIN: admin, MAMORI_ADMIN_PASSWORD: temp, MAMORI_APPROVER_LOGIN: approver, MAMORI_APPROVER_PASSWORD: approverTemp },
})
const code = await new Promise((resolve) => run.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0))))
if (code !== 0) {
  const text = fs.readFileSync(path.join(data, 'serve.log'), 'utf8').split('\n').slice(-30).join('\n')
  console.error(`e2e: last lines of the server log:\n${text}`)
}
cleanup()
process.exit(code)
