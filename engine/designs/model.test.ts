// Model-based tests of every slot-based design against the naive reference.

import { describe, expect, it } from 'vitest'
import { NO_ENTRY } from './design'
import { runModel, setup, VARIANTS } from './modelHarness'

describe('designs against a naive reference', () => {
  for (const v of VARIANTS) {
    const label =
      v.design +
      (v.phase ? ` P${v.phase}` : '') +
      (v.discontig ? ' discontiguous' : '') +
      (v.options ? ` ${JSON.stringify(v.options)}` : '')
    it(`${label}: random operation sequences match the reference`, () => {
      // Without a device the virtual space is unbounded: the reference grows and each seed takes longer.
      const seeds = v.options?.backing === 'zswap-only' ? 3 : 12
      for (let seed = 1; seed <= seeds; seed++) runModel(v, seed, 1500)
    }, 120_000)
  }
  it('cluster allocator with discard: random sequences match the reference', () => {
    for (let seed = 1; seed <= 6; seed++) runModel({ design: 'cluster' }, seed, 1500, true)
  })
  it('a failed invariant is reported (the checker can fail)', () => {
    const { design, cpus } = setup({ design: 'cluster' }, 4, 1)
    const e = design.allocSwap(cpus[0], 0, 1, [])
    expect(e).not.toBe(NO_ENTRY)
    // Corrupt a cluster count behind the allocator's back.
    ;(design as unknown as { devices: { ci: { count: Uint16Array } }[] }).devices[0].ci.count[0] += 3
    expect(() => design.check()).toThrow(/invariant violated/)
  })
})
