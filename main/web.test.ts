import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { request } from 'node:http'
import { startWebBridge, type WebBridge } from './web'
import { recordingApi } from './testing/fakeApi'

const made: string[] = []
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** A built renderer in a temp folder, with a file beside it that must never be served. */
function rendererDir(): string {
  const parent = mkdtempSync(join(tmpdir(), 'swaplab-web-'))
  made.push(parent)
  const dir = join(parent, 'renderer')
  mkdirSync(join(dir, 'assets'), { recursive: true })
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Swap Lab</title>')
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)')
  writeFileSync(join(dir, '..', 'secret.txt'), 'secret')
  return dir
}

/** Raw HTTP, so tests can send any Host header (fetch does not allow that). */
function raw(
  port: number,
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      let body = ''
      res.on('data', (c) => (body += c))
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', fail)
    req.end(opts.body)
  })
}

let bridge: WebBridge | null = null
afterEach(async () => {
  await bridge?.close()
  bridge = null
})

describe('web bridge', () => {
  it('listens on 127.0.0.1 with a random token and prints a URL carrying it', async () => {
    bridge = await startWebBridge(recordingApi(), { rendererDir: rendererDir() })
    expect(bridge.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{32}$/)
    const other = await startWebBridge(recordingApi(), { rendererDir: rendererDir() })
    expect(other.token).not.toBe(bridge.token)
    await other.close()
  })

  it('serves the built renderer with a CSP, and nothing outside it', async () => {
    bridge = await startWebBridge(recordingApi(), { rendererDir: rendererDir() })
    const host = { host: `127.0.0.1:${bridge.port}` }
    const index = await raw(bridge.port, '/', { headers: host })
    expect(index.status).toBe(200)
    expect(index.body).toContain('Swap Lab')
    expect(index.headers['content-security-policy']).toMatch(/default-src 'none'/)
    expect((await raw(bridge.port, '/assets/app.js', { headers: host })).headers['content-type']).toMatch(/javascript/)
    expect((await raw(bridge.port, '/../secret.txt', { headers: host })).status).toBe(404)
    expect((await raw(bridge.port, '/%2e%2e/secret.txt', { headers: host })).status).toBe(404)
  })

  it('refuses requests addressed to another host name (DNS rebinding)', async () => {
    bridge = await startWebBridge(recordingApi(), { rendererDir: rendererDir() })
    expect((await raw(bridge.port, '/', { headers: { host: `evil.example:${bridge.port}` } })).status).toBe(421)
    expect((await raw(bridge.port, '/', { headers: { host: `localhost:${bridge.port}` } })).status).toBe(200)
  })

  it('calls the lab with the token, refuses without it, from other origins, or with a bad payload', async () => {
    const api = recordingApi()
    bridge = await startWebBridge(api, { rendererDir: rendererDir() })
    const post = (method: string, args: unknown[], headers: Record<string, string> = {}) =>
      raw(bridge!.port, `/api/${method}`, {
        method: 'POST',
        headers: { host: `127.0.0.1:${bridge!.port}`, 'content-type': 'application/json', 'x-swaplab-token': bridge!.token, ...headers },
        body: JSON.stringify({ args })
      })

    const ok = await post('getSamples', [3, 100])
    expect(ok.status).toBe(200)
    expect(JSON.parse(ok.body)).toEqual({ ok: true, value: { runId: 1, samples: [], totalSamples: 0 } })

    expect((await post('deleteRuns', [[1]], { 'x-swaplab-token': 'guess' })).status).toBe(401)
    expect((await post('deleteRuns', [[1]], { origin: 'https://evil.example' })).status).toBe(403)
    expect((await post('deleteRuns', [[1]], { 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post('constructor', [])).status).toBe(404)
    const bad = await post('deleteRuns', ['all'])
    expect(bad.status).toBe(400)
    expect(JSON.parse(bad.body)).toEqual({ ok: false, error: 'runIds must be an array of run ids' })
    expect(api.calls).toEqual([{ method: 'getSamples', args: [3, 100] }])
  })

  it('streams lab events as server-sent events to token holders only', async () => {
    const api = recordingApi()
    bridge = await startWebBridge(api, { rendererDir: rendererDir() })
    expect((await fetch(`${bridge.origin}/api/events?token=nope`)).status).toBe(401)
    const res = await fetch(`${bridge.origin}/api/events?token=${bridge.token}`)
    expect(res.headers.get('content-type')).toBe('text/event-stream')
    const reader = res.body!.getReader()
    await reader.read() // ": connected"
    api.emit({ type: 'queue-empty' })
    const { value } = await reader.read()
    expect(new TextDecoder().decode(value)).toBe('data: {"type":"queue-empty"}\n\n')
    await reader.cancel()
    await new Promise((r) => setTimeout(r, 50))
    expect(api.listenerCount()).toBe(0)
  })
})

describe('issue 12 item 8: request bodies in flight are capped', () => {
  it('refuses a large body with 503 while others hold the budget, and reads it again once they are done', async () => {
    const MiB = 2 ** 20
    bridge = await startWebBridge(recordingApi(), { rendererDir: rendererDir(), maxBodyBytesInFlight: 5 * MiB })
    const port = bridge.port
    const token = bridge.token
    // Three bodies of 3 MiB each, sent half first: together they would hold 9 MiB at once.
    const body = Buffer.from(JSON.stringify({ args: ['x'.repeat(3 * MiB - 20)] }))
    const half = Math.floor(body.length / 2)
    const sends = Array.from({ length: 3 }, () => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/api/importJson',
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-swaplab-token': token, 'content-length': String(body.length) }
      })
      const status = new Promise<number>((ok) => {
        req.on('response', (res) => {
          res.resume()
          ok(res.statusCode ?? 0)
        })
        req.on('error', () => ok(-1))
      })
      req.write(body.subarray(0, half))
      return { req, status }
    })
    await new Promise((r) => setTimeout(r, 500))
    for (const s of sends) s.req.end(body.subarray(half))
    const statuses = await Promise.all(sends.map((s) => s.status))
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1)
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1)
    // The budget is released: a body alone is read again.
    const again = await raw(port, '/api/importJson', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-swaplab-token': token },
      body: body.toString()
    })
    expect(again.status).toBe(200)
  })
})
