// The automatic sample interval: dozens to hundreds of samples over a run's expected length.
import { describe, expect, it } from 'vitest'
import { AUTO_SAMPLE_MAX_NS, AUTO_SAMPLE_MIN_NS, autoSampleIntervalNs, estimatePageTouches, SIM_NS_PER_PAGE_TOUCH } from './estimate'
import { presets } from './presets'
import { validateExperiment } from './schema'
import { planRuns } from './sweep'

describe('automatic sample interval', () => {
  it('is the default, resolved per run to a 1-2-5 step from the run length; an explicit interval is kept', () => {
    const quick = presets().find((p) => p.id === 'quick')!.config
    const v = validateExperiment(quick)
    if (!v.ok) throw new Error(JSON.stringify(v.errors))
    expect(v.config.sampleIntervalNs).toBe(0)
    const run = planRuns(v.config)[0].engineConfig
    // Quick check: 8192 page touches, about 55 ms simulated; the old fixed 10 ms gave 7 samples.
    expect(run.sampleIntervalNs).toBe(50_000)
    const expectedSamples = (estimatePageTouches(run) * SIM_NS_PER_PAGE_TOUCH) / run.sampleIntervalNs
    expect(expectedSamples).toBeGreaterThan(200)
    const fixed = validateExperiment({ ...quick, sampleIntervalNs: 10_000_000 })
    if (!fixed.ok) throw new Error('invalid')
    expect(planRuns(fixed.config)[0].engineConfig.sampleIntervalNs).toBe(10_000_000)
  })

  it('gives every shipped preset run dozens of samples or more, and never samples coarser than 10 ms', () => {
    for (const p of presets()) {
      const v = validateExperiment(p.config)
      if (!v.ok) throw new Error(`${p.id}: ${JSON.stringify(v.errors)}`)
      for (const r of planRuns(v.config)) {
        const ns = r.engineConfig.sampleIntervalNs
        expect(ns, p.id).toBeGreaterThanOrEqual(AUTO_SAMPLE_MIN_NS)
        expect(ns, p.id).toBeLessThanOrEqual(AUTO_SAMPLE_MAX_NS)
        expect(String(ns / 10 ** Math.floor(Math.log10(ns))), p.id).toMatch(/^[125]$/)
      }
    }
  })

  it('refuses an interval below 1000 ns other than 0, with a message that says 0 is automatic', () => {
    const quick = presets().find((p) => p.id === 'quick')!.config
    const r = validateExperiment({ ...quick, sampleIntervalNs: 500 })
    expect(r.ok).toBe(false)
    if (!r.ok) {
      expect(r.errors[0].field).toBe('sampleIntervalNs')
      expect(r.errors[0].message).toMatch(/0 \(automatic/)
    }
    expect(autoSampleIntervalNs({ ...planRunsOf(quick), design: 'kernel' })).toBe(AUTO_SAMPLE_MAX_NS)
  })
})

function planRunsOf(config: unknown) {
  const v = validateExperiment(config)
  if (!v.ok) throw new Error('invalid')
  return planRuns(v.config)[0].engineConfig
}
