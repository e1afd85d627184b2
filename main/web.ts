// The loopback web bridge: serves the built renderer and binds a LabApi to HTTP
// (POST /api/<method>, events over server-sent events), for browser mode and the e2e tests.
// 127.0.0.1 only, a random per-launch token, Host and Origin checked, the same payload
// checks as IPC (./channels).

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { randomBytes, timingSafeEqual } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { extname, join, normalize, resolve, sep } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { LabApi, LabEvent } from '../experiments/api'
import { callChecked, isLabMethod } from './channels'
import type { TraceStore } from './lab/traces'

export const LOOPBACK = '127.0.0.1'
/** Big enough for importJson of many runs; anything larger is refused unread. */
export const MAX_BODY_BYTES = 64 * 2 ** 20
/** Bytes of request bodies held in memory at once, over all requests: more concurrent large bodies are refused (503). */
export const MAX_BODY_BYTES_IN_FLIGHT = 96 * 2 ** 20
const KEEPALIVE_MS = 15_000

/** The same policy as the renderer's meta tag, also sent as a header. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.ico': 'image/x-icon'
}

export interface WebBridgeOptions {
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string
  /** 0 picks a free port. */
  port?: number
  /** For tests; normally a fresh random token per launch. */
  token?: string
  /** Cap on body bytes buffered over all requests at once (default MAX_BODY_BYTES_IN_FLIGHT). */
  maxBodyBytesInFlight?: number
  /** The lab's trace folder: POST /api/uploadTrace streams a trace there (never into memory) and answers its `lab:` name. */
  traces?: TraceStore
}

export interface WebBridge {
  /** The URL to open, with the token. */
  url: string
  origin: string
  port: number
  token: string
  close(): Promise<void>
}

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

export function sameToken(given: string | null | undefined, expected: string): boolean {
  if (!given) return false
  const a = Buffer.from(given)
  const b = Buffer.from(expected)
  return a.length === b.length && timingSafeEqual(a, b)
}

/** Only requests addressed to this server by its loopback name (defeats DNS rebinding). */
export function hostAllowed(host: string | undefined, port: number): boolean {
  return host === `${LOOPBACK}:${port}` || host === `localhost:${port}`
}

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' })
  res.end(body)
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, JSON.stringify(value), 'application/json; charset=utf-8')
}

/** A body the bridge will not read: too large (413) or too many large bodies in flight (503). */
class BodyRefused extends Error {
  constructor(
    readonly status: 413 | 503,
    message: string
  ) {
    super(message)
  }
}

/** Counts body bytes held by all requests together. */
class BodyBudget {
  used = 0
  constructor(readonly cap: number) {}
}

async function readBody(req: IncomingMessage, budget: BodyBudget): Promise<string> {
  const declared = Number(req.headers['content-length'])
  if (Number.isFinite(declared) && declared > MAX_BODY_BYTES) throw new BodyRefused(413, 'request body too large')
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req) {
      const n = (chunk as Buffer).length
      size += n
      if (size > MAX_BODY_BYTES) throw new BodyRefused(413, 'request body too large')
      if (budget.used + n > budget.cap) throw new BodyRefused(503, 'too many large requests at once; retry when they have finished')
      budget.used += n
      chunks.push(chunk as Buffer)
    }
    return Buffer.concat(chunks).toString('utf8')
  } finally {
    for (const c of chunks) budget.used -= c.length
  }
}

export async function startWebBridge(api: LabApi, options: WebBridgeOptions): Promise<WebBridge> {
  const token = options.token ?? newToken()
  const root = resolve(options.rendererDir)
  const streams = new Set<ServerResponse>()
  const budget = new BodyBudget(options.maxBodyBytesInFlight ?? MAX_BODY_BYTES_IN_FLIGHT)
  let port = 0

  async function serveStatic(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed')
    let rel: string
    try {
      rel = decodeURIComponent(pathname === '/' ? '/index.html' : pathname)
    } catch {
      return send(res, 400, 'bad path')
    }
    const file = normalize(join(root, rel))
    if (!file.startsWith(root + sep)) return send(res, 404, 'not found')
    try {
      if (!(await stat(file)).isFile()) return send(res, 404, 'not found')
      const body = await readFile(file)
      res.writeHead(200, {
        'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': CONTENT_SECURITY_POLICY,
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        'cache-control': extname(file) === '.html' ? 'no-store' : 'max-age=3600'
      })
      res.end(req.method === 'HEAD' ? undefined : body)
    } catch {
      send(res, 404, 'not found')
    }
  }

  function openEvents(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-content-type-options': 'nosniff'
    })
    res.write(': connected\n\n')
    streams.add(res)
    const unsubscribe = api.subscribe((event: LabEvent) => {
      res.write(`data: ${JSON.stringify(event)}\n\n`)
    })
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS)
    const close = (): void => {
      clearInterval(keepalive)
      unsubscribe()
      streams.delete(res)
    }
    req.on('close', close)
    res.on('error', close)
  }

  /** A trace from the browser, streamed into the lab's trace folder; the page gets its `lab:` name, never a path. */
  async function uploadTrace(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!options.traces) return sendJson(res, 404, { ok: false, error: 'this server takes no trace uploads' })
    if (req.headers['content-type'] !== 'application/octet-stream')
      return sendJson(res, 415, { ok: false, error: 'content-type must be application/octet-stream' })
    let name: string
    try {
      name = decodeURIComponent(String(req.headers['x-swaplab-filename'] ?? 'trace'))
    } catch {
      return sendJson(res, 400, { ok: false, error: 'x-swaplab-filename must be URI-encoded' })
    }
    try {
      const value = await options.traces.addStream(req, name)
      sendJson(res, 200, { ok: true, value })
    } catch (e) {
      res.setHeader('connection', 'close')
      res.once('finish', () => req.destroy())
      sendJson(res, 400, { ok: false, error: `the trace was not stored: ${(e as Error).message}` })
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!hostAllowed(req.headers.host, port)) return send(res, 421, 'wrong host')
    const url = new URL(req.url ?? '/', `http://${LOOPBACK}:${port}`)
    if (!url.pathname.startsWith('/api/')) return serveStatic(req, res, url.pathname)

    // A page from any other origin must not reach the API, even holding the token.
    const origin = req.headers.origin
    if (origin !== undefined && origin !== `http://${LOOPBACK}:${port}` && origin !== `http://localhost:${port}`)
      return sendJson(res, 403, { ok: false, error: 'foreign origin' })

    if (url.pathname === '/api/events') {
      if (req.method !== 'GET') return sendJson(res, 405, { ok: false, error: 'method not allowed' })
      // EventSource cannot set headers, so the token comes in the query here only.
      if (!sameToken(url.searchParams.get('token'), token)) return sendJson(res, 401, { ok: false, error: 'missing or wrong token' })
      return openEvents(req, res)
    }

    if (!sameToken(req.headers['x-swaplab-token'] as string | undefined, token))
      return sendJson(res, 401, { ok: false, error: 'missing or wrong token' })
    if (req.method !== 'POST') return sendJson(res, 405, { ok: false, error: 'method not allowed' })
    if (url.pathname === '/api/uploadTrace') return uploadTrace(req, res)
    if (!/^application\/json\b/.test(req.headers['content-type'] ?? ''))
      return sendJson(res, 415, { ok: false, error: 'content-type must be application/json' })
    const method = url.pathname.slice('/api/'.length)
    if (!isLabMethod(method)) return sendJson(res, 404, { ok: false, error: `no such method: ${method}` })

    let args: unknown
    try {
      const body = JSON.parse(await readBody(req, budget)) as { args?: unknown }
      args = body?.args ?? []
    } catch (e) {
      if (e instanceof BodyRefused) {
        // Answer at once and stop reading: the rest of the body is never buffered.
        res.setHeader('connection', 'close')
        res.once('finish', () => req.destroy())
        return sendJson(res, e.status, { ok: false, error: e.message })
      }
      return sendJson(res, 400, { ok: false, error: 'body must be JSON: {"args": [...]}' })
    }
    const envelope = await callChecked(api, method, args)
    sendJson(res, envelope.ok ? 200 : 400, envelope)
  }

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: 'internal error' })
      else res.end()
    })
  })

  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(options.port ?? 0, LOOPBACK, () => ok())
  })
  port = (server.address() as AddressInfo).port
  const origin = `http://${LOOPBACK}:${port}`

  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((ok) => {
        for (const s of streams) s.end()
        streams.clear()
        server.close(() => ok())
        server.closeAllConnections()
      })
  }
}
