// Live charts in a real browser against the real lab: from a run's start, the browser gets
// samples within about half a second and then about twice a second, and the Running view's
// charts draw them while the run goes on (before, nothing came until the first 64 samples were
// simulated, which for short runs meant the end). A short run gets dozens of samples from the
// default sample interval. The measured figures go to artifacts/live-charts.json; the only
// assertions on them are sanity bounds that fail when nothing arrives before the run ends.
import { afterAll, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { api, page, preset, ROOT, screenshot, served, useLab } from './harness'

interface Observed {
  /** ms since the observation began, per event kind (the page's own EventSource on /api/events). */
  started: number | null
  finished: number | null
  samples: { t: number; n: number }[]
  /** When the Running view's charts showed more points than before (data-live-points). */
  chart: { t: number; points: number }[]
}

/** Opens an EventSource in the page and watches the Running view's point count on every frame. */
async function observe(token: string): Promise<void> {
  await page.evaluate((tok) => {
    const w = globalThis as any
    const t0 = performance.now()
    const obs = { started: null, finished: null, samples: [], chart: [], runId: null } as any
    w.__live = obs
    const es = new w.EventSource(`/api/events?token=${encodeURIComponent(tok)}`)
    w.__liveSource = es
    es.onmessage = (m: { data: string }) => {
      const e = JSON.parse(m.data)
      const t = performance.now() - t0
      if (e.type === 'run-started' && obs.runId === null) {
        obs.runId = e.run.id
        obs.started = t
      } else if (e.type === 'samples' && e.runId === obs.runId) obs.samples.push({ t, n: e.samples.length })
      else if (e.type === 'run-finished' && e.run.id === obs.runId) obs.finished = t
    }
    let last = 0
    const frame = (): void => {
      // Only the watched run's points, once it is the run observed.
      const el = w.document.querySelector('[data-live-points]')
      const n =
        el && obs.runId !== null && Number(el.getAttribute('data-live-run')) === obs.runId ? Number(el.getAttribute('data-live-points')) : 0
      if (n > last) {
        last = n
        obs.chart.push({ t: performance.now() - t0, points: n })
      }
      if (obs.finished === null || performance.now() - t0 < obs.finished + 500) w.requestAnimationFrame(frame)
    }
    w.requestAnimationFrame(frame)
  }, token)
  // Let the EventSource connect before the run starts.
  await page.waitForFunction(() => (globalThis as any).__liveSource.readyState === 1)
}

async function observed(): Promise<Observed> {
  await page.waitForFunction(() => (globalThis as any).__live.finished !== null, undefined, { timeout: 180_000 })
  // The chart's last update lands a frame or two after the run's end.
  await page.waitForTimeout(600)
  return page.evaluate(() => {
    const w = globalThis as any
    w.__liveSource.close()
    return JSON.parse(JSON.stringify(w.__live))
  })
}

/** Figures from what was observed: from the run's start to the first samples, and the update rate while it ran. */
function figures(o: Observed) {
  const start = o.started!
  const during = o.samples.filter((s) => s.t < o.finished!)
  const chartDuring = o.chart.filter((c) => c.t < o.finished!)
  const gaps = during.slice(1).map((s, i) => s.t - during[i].t)
  const span = during.length > 1 ? (during.at(-1)!.t - during[0].t) / 1000 : 0
  return {
    runMs: Math.round(o.finished! - start),
    firstSamplesMs: o.samples.length ? Math.round(o.samples[0].t - start) : null,
    samplesEventsBeforeEnd: during.length,
    updatesPerSecond: span > 0 ? Number(((during.length - 1) / span).toFixed(2)) : null,
    maxGapMs: gaps.length ? Math.round(Math.max(...gaps)) : null,
    firstChartPointMs: o.chart.length ? Math.round(o.chart[0].t - start) : null,
    chartUpdatesBeforeEnd: chartDuring.length,
    chartPointsAtEnd: o.chart.at(-1)?.points ?? 0
  }
}

useLab()

describe('Live charts', () => {
  const results: Record<string, unknown> = {}

  it('update from the start of a run and about twice a second while it runs', async () => {
    await page.goto(served.url)
    await page.click('[data-nav=running]')
    await observe(served.token)
    // One run of the usemem throughput preset, scaled down to 2 tasks x 32 MiB in 48 MiB: a few seconds.
    const config = await preset('usemem-throughput')
    config.designs = [{ design: 'legacy' }]
    config.trials = 1
    config.workload = { name: 'usemem', params: { tasks: 2, sizeBytes: '32MiB', passes: 2 } }
    config.memoryLimitBytes = '48MiB'
    config.name = 'live charts'
    await api('start', [config])
    const o = await observed()
    const f = figures(o)
    results.usemem = f
    await screenshot(page, '40-running-live')
    // Sanity bounds only (no timing assertion): samples and chart points arrive while the run
    // is still going, not only at its end.
    expect(f.firstSamplesMs).not.toBeNull()
    expect(f.samplesEventsBeforeEnd).toBeGreaterThanOrEqual(2)
    expect(f.chartUpdatesBeforeEnd).toBeGreaterThanOrEqual(2)
    expect(f.firstChartPointMs!).toBeLessThan(f.runMs)
  })

  it('gives a short run dozens of samples with the default sample interval', async () => {
    await observe(served.token)
    const config = await preset('quick')
    config.designs = [{ design: 'legacy' }]
    config.trials = 1
    config.name = 'short run'
    const { runIds } = await api<{ runIds: number[] }>('start', [config])
    const o = await observed()
    const series = await api<{ totalSamples: number }>('getSamples', [runIds[0], 10])
    results.short = { ...figures(o), totalSamples: series.totalSamples }
    expect(series.totalSamples).toBeGreaterThanOrEqual(24)
    // The chart shows them (live or at the end).
    expect(o.chart.at(-1)?.points ?? 0).toBeGreaterThanOrEqual(24)
  })

  afterAll(() => {
    mkdirSync(join(ROOT, 'artifacts'), { recursive: true })
    writeFileSync(join(ROOT, 'artifacts', 'live-charts.json'), `${JSON.stringify(results, null, 2)}\n`)
  })
})
