// Starts `swaplab serve` on a fresh database and the system Chromium, for the e2e tests.
import { spawn, type ChildProcess } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'

export const ROOT = resolve(__dirname, '..')
export const SCREENSHOTS = join(ROOT, 'artifacts', 'screenshots')
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

export interface Served {
  url: string
  origin: string
  token: string
  dir: string
  stop(): Promise<void>
  output(): string
}

/** Runs the real CLI (bin/swaplab.cjs serve) and waits for the URL it prints. */
export async function serve(): Promise<Served> {
  if (!existsSync(join(ROOT, 'out', 'renderer', 'index.html')))
    throw new Error('run `npm run build` first: the e2e tests use the built app')
  const dir = mkdtempSync(join(tmpdir(), 'swaplab-e2e-'))
  mkdirSync(join(dir, 'devices'))
  // SWAPLAB_E2E_SERVE_SCRIPT: a TypeScript entry taking the same arguments, run with tsx instead
  // of the built CLI (for working on the UI against a stand-in lab); unset in CI.
  const script = process.env.SWAPLAB_E2E_SERVE_SCRIPT
  const entry = script ? [join(ROOT, 'node_modules', 'tsx', 'dist', 'cli.mjs'), script] : [join(ROOT, 'bin', 'swaplab.cjs'), 'serve']
  const child: ChildProcess = spawn(process.execPath, [...entry, '--db', join(dir, 'e2e.db'), '--port', '0'], {
    cwd: ROOT,
    env: { ...process.env, SWAPLAB_DEVICE_DIR: join(dir, 'devices'), SWAPLAB_DB: join(dir, 'unused.db') },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let out = ''
  child.stdout!.on('data', (c) => (out += c))
  child.stderr!.on('data', (c) => (out += c))
  const url = await new Promise<string>((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`swaplab serve printed no URL in 30 s:\n${out}`)), 30_000)
    const check = (): void => {
      const m = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+)/.exec(out)
      if (m) {
        clearTimeout(timer)
        ok(m[1])
      }
    }
    child.stdout!.on('data', check)
    child.on('exit', (code) => fail(new Error(`swaplab serve exited with ${code}:\n${out}`)))
  })
  const u = new URL(url)
  return {
    url,
    origin: u.origin,
    token: u.searchParams.get('token')!,
    dir,
    output: () => out,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r))
        child.kill('SIGTERM')
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

export interface Browser {
  context: BrowserContext
  page: Page
  /** Console errors and page errors seen so far (CSP violations show up here). */
  problems: string[]
  close(): Promise<void>
}

export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'swaplab-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync'
    ]
  })
  const page = context.pages()[0] ?? (await context.newPage())
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text())
  })
  page.on('pageerror', (e) => problems.push(e.message))
  return {
    context,
    page,
    problems,
    close: async () => {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
}

/**
 * Saves a screenshot of the page's viewport to artifacts/screenshots/<name>.png. With `docs`,
 * the image is one of the documentation's (docs/img/<docs>.png): with SWAPLAB_E2E_DOCS_IMG=1
 * in the environment it is written there too, so the pictures in docs/ are the e2e run's own.
 */
export async function screenshot(page: Page, name: string, opts: { docs?: string } = {}): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true })
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) })
  if (opts.docs && process.env.SWAPLAB_E2E_DOCS_IMG === '1')
    copyFileSync(join(SCREENSHOTS, `${name}.png`), join(ROOT, 'docs', 'img', `${opts.docs}.png`))
}

// ---------------------------------------------------------------------------------------------
// One lab and one browser per test file. `useLab()` registers the file's beforeAll/afterAll:
// serve the built lab on a fresh database, open Chromium, run the file's own setup, and stop
// both afterwards. The running lab is reached through the live bindings below (`page`,
// `served`, `browser`), which are set before the file's first test; each e2e file runs in a
// process of its own (vitest.e2e.config.mts: pool forks), so they never mix two files' labs.

/** The page under test (the first tab of the file's Chromium). */
export let page: Page
/** The `swaplab serve` process of this file, on its own fresh database. */
export let served: Served
/** The Chromium of this file, with the console problems it has seen. */
export let browser: Browser

/**
 * Starts the lab and the browser before the file's tests and stops them after. `setup`, if
 * given, runs once both are up (opening a first view, recording runs the file needs).
 */
export function useLab(setup?: () => Promise<void>): void {
  beforeAll(async () => {
    served = await serve()
    browser = await openBrowser()
    page = browser.page
    await setup?.()
  })
  afterAll(async () => {
    await browser?.close()
    await served?.stop()
  })
}

/** What the bridge answers: the value, or the lab's one-line message. */
export interface Reply<T> {
  ok: boolean
  value?: T
  error?: string
}

/** Calls the lab through the web bridge (POST /api/<method>) and returns its reply as is. */
export async function call<T>(method: string, args: unknown[]): Promise<Reply<T>> {
  const res = await fetch(`${served.origin}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-swaplab-token': served.token },
    body: JSON.stringify({ args })
  })
  return (await res.json()) as Reply<T>
}

/** Calls the lab through the web bridge and returns the value; a refusal throws the lab's message. */
export async function api<T>(method: string, args: unknown[]): Promise<T> {
  const body = await call<T>(method, args)
  if (!body.ok) throw new Error(body.error)
  return body.value as T
}

/** A run as `listRuns` gives it (the fields the e2e tests read). */
export interface ApiRun {
  id: number
  experimentId: number
  status: string
  design: string
  variantLabel: string
  point: Record<string, unknown>
  error: string | null
  headline: Record<string, number> | null
}

/** A copy of a preset's config, to change at will. */
export async function preset(id: string): Promise<Record<string, unknown>> {
  const presets = await api<{ id: string; config: Record<string, unknown> }[]>('presets', [])
  return structuredClone(presets.find((p) => p.id === id)!.config)
}

/** Starts an experiment and waits until all its runs are done (one that fails or is cancelled throws). */
export async function runToEnd(config: Record<string, unknown>): Promise<ApiRun[]> {
  const { runIds } = await api<{ runIds: number[] }>('start', [config])
  for (;;) {
    const mine = (await api<ApiRun[]>('listRuns', [])).filter((r) => runIds.includes(r.id))
    if (mine.every((r) => r.status === 'done')) return runIds.map((id) => mine.find((r) => r.id === id)!)
    const bad = mine.find((r) => !['queued', 'running', 'done'].includes(r.status))
    if (bad) throw new Error(`run ${bad.id} ended ${bad.status}`)
    await new Promise((r) => setTimeout(r, 300))
  }
}

/** Goes to Runs and waits for its rows. */
export async function openRuns(): Promise<void> {
  await page.click('[data-nav=runs]')
  await page.waitForSelector('tr[data-run]')
}

/** Clicks a chart's SVG button and returns the downloaded document. */
export async function exportSvg(chart: string): Promise<{ name: string; svg: string }> {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-chart="${chart}"] [data-export=svg]`).click()])
  const file = join(served.dir, download.suggestedFilename())
  await download.saveAs(file)
  return { name: download.suggestedFilename(), svg: readFileSync(file, 'utf8') }
}

/** A text of a drawn chart and the box Chromium lays it out in (CSS px of the SVG's own size, rotation included). */
export interface DrawnText {
  text: string
  x: number
  y: number
  width: number
  height: number
}

/** A filled shape of a drawn chart (a bar, a band, the background) with its fill as rgb() and its box. */
export interface DrawnShape {
  fill: string
  x: number
  y: number
  width: number
  height: number
}

/** Lays an exported SVG out in a page of its own: every non-empty text and every filled shape with its box. */
export async function drawn(svg: string): Promise<{ texts: DrawnText[]; shapes: DrawnShape[] }> {
  const viewer = await browser.context.newPage()
  try {
    await viewer.setViewportSize({ width: 1600, height: 900 })
    await viewer.setContent(`<body style="margin:0">${svg}</body>`)
    const found = await viewer.evaluate(() => {
      const d = (globalThis as any).document
      const box = (e: any): { x: number; y: number; width: number; height: number } => {
        const r = e.getBoundingClientRect()
        return { x: r.x, y: r.y, width: r.width, height: r.height }
      }
      return {
        texts: ([...d.querySelectorAll('svg text')] as any[])
          .map((t) => ({ text: (t.textContent as string).trim(), ...box(t) }))
          .filter((t) => t.text !== '' && t.width > 0),
        shapes: ([...d.querySelectorAll('svg path[fill]')] as any[])
          .filter((p) => p.getAttribute('fill') !== 'none')
          .map((p) => ({ fill: p.getAttribute('fill') as string, ...box(p) }))
      }
    })
    return { texts: found.texts, shapes: found.shapes.map((s) => ({ ...s, fill: rgb(s.fill) })) }
  } finally {
    await viewer.close()
  }
}

/** The texts of an exported SVG with their boxes (see `drawn`). */
export async function drawnTexts(svg: string): Promise<DrawnText[]> {
  return (await drawn(svg)).texts
}

/** Pairs of texts whose boxes overlap by more than `slack` px both ways (labels drawn over each other). */
export function overlaps(texts: DrawnText[], slack = 1): [string, string][] {
  const out: [string, string][] = []
  for (let i = 0; i < texts.length; i++)
    for (let j = i + 1; j < texts.length; j++) {
      const a = texts[i]
      const b = texts[j]
      const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x)
      const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y)
      if (w > slack && h > slack) out.push([a.text, b.text])
    }
  return out
}

/** A hex or rgb() colour (svgcanvas writes both "#0072b2" and "rgb(0,114,178)") as rgb(r, g, b). */
export function rgb(color: string): string {
  const h = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color)
  if (h) return `rgb(${parseInt(h[1], 16)}, ${parseInt(h[2], 16)}, ${parseInt(h[3], 16)})`
  const r = /^rgb\(\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(color)
  return r ? `rgb(${r[1]}, ${r[2]}, ${r[3]})` : color
}
