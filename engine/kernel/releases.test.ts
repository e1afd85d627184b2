import * as fs from 'node:fs'
import * as path from 'node:path'
import { describe, expect, it } from 'vitest'
import { DESIGN_MARKER_SYMBOLS, designFromSymbols, majorMinor, pairedDesign } from './releases'

// Which marker symbols /proc/kallsyms held in each Debian cloud kernel, booted in the lab
// with probeKernelSymbols (vm.ts) on 2026-11-28.
const MEASURED = JSON.parse(fs.readFileSync(path.join(__dirname, 'fixtures', 'kallsyms-markers.json'), 'utf8')) as Record<
  string,
  { image: string; present: string[] }
>

describe('release -> simulated design', () => {
  it('reads major.minor from releases, ABI names and versions', () => {
    expect(majorMinor('6.12.117+deb12-cloud-amd64')).toEqual([6, 12])
    expect(majorMinor('6.1.0-56-cloud-amd64')).toEqual([6, 1])
    expect(majorMinor('7.3~rc7')).toEqual([7, 3])
    expect(majorMinor('host')).toBeNull()
  })

  it('pairs each era with its design', () => {
    expect(pairedDesign('5.15.0')).toBeNull()
    expect(pairedDesign('6.1.0-56-cloud-amd64')).toEqual({ design: 'legacy', options: {} })
    expect(pairedDesign('6.9.12')?.design).toBe('legacy')
    expect(pairedDesign('6.10.3')?.design).toBe('mthp-6.10')
    expect(pairedDesign('6.11.0')?.design).toBe('mthp-6.10')
    expect(pairedDesign('6.12.117')?.design).toBe('cluster')
    expect(pairedDesign('6.17.13')?.design).toBe('cluster')
    expect(pairedDesign('6.18.15')).toEqual({ design: 'swap-table', options: { phase: 1 } })
    expect(pairedDesign('6.19.14')).toEqual({ design: 'swap-table', options: { phase: 1 } })
    expect(pairedDesign('7.0.13')).toEqual({ design: 'swap-table', options: { phase: 2 } })
    expect(pairedDesign('7.1.13')).toEqual({ design: 'swap-table', options: { phase: 3 } })
    expect(pairedDesign('7.2.13+deb14-cloud-amd64')).toEqual({ design: 'swap-table', options: { phase: 4 } })
    expect(pairedDesign('8.0')).toEqual({ design: 'swap-table', options: { phase: 4 } })
  })

  it('agrees with the symbols measured in every booted Debian kernel', () => {
    expect(Object.keys(MEASURED).length).toBeGreaterThanOrEqual(10)
    for (const [release, m] of Object.entries(MEASURED)) {
      const present = new Set(m.present.filter((s) => (DESIGN_MARKER_SYMBOLS as readonly string[]).includes(s)))
      expect(designFromSymbols(present), release).toEqual(pairedDesign(release))
    }
  })

  it('returns null for a symbol set that fits no era', () => {
    expect(designFromSymbols(new Set(['swapper_spaces']))).toBeNull()
  })
})
