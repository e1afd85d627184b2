// `npm run digest`: a bit-identity check of the simulation. Runs every simulated variant of every
// shipped preset at every sweep point, one trial with the preset's seed, and prints per run a
// SHA-256 of everything simulated and deterministic it produced, then one total. Two trees
// that print the same total simulate the same thing, bit for bit (a refactor must not move it).
//
// Hashed per run: the summary without wall-clock fields (wallTimeMs, latency.*WallNs) and
// without engineVersion (a version bump is not a behaviour change); every sample without
// tWallMs; and the run's device I/O in issue order (op, device, offset, length and the bytes
// each write carried and each read returned, but the header's random UUID). Keys are sorted, so field order does not count.
//
// Scaled down (printed first): metadata-by-fill fills its device to 100 % through the VM,
// 2 Mi swapouts per run on 8 GiB, minutes per run on a loaded machine; here its device is
// 1 GiB (the same fill percentages, allocator and metadata paths). --full runs it as shipped.
//   usage: npm run digest [-- --preset ID]... [-- --verbose] [-- --full]
//   --preset: only these presets; --verbose: also print each run's sim time, swpout and swpin.

import { createHash, type Hash } from 'node:crypto'
import { runEngine, type IoLog, type RunSummary, type Sample } from '../engine'
import { presets } from '../experiments/presets'
import type { ExperimentConfig } from '../experiments/api'
import { planRuns, isSimulatedVariant } from '../experiments/sweep'

const args = process.argv.slice(2)
const only = args.flatMap((a, i) => (args[i - 1] === '--preset' ? [a] : []))
const verbose = args.includes('--verbose')
const full = args.includes('--full')

/** Presets too slow to run as shipped on every check, and how they are scaled down. */
const SCALE_DOWN: Record<string, { note: string; apply(config: ExperimentConfig): void }> = {
  'metadata-by-fill': {
    note: 'device 8 GiB -> 1 GiB',
    apply: (config) => {
      for (const d of config.devices) d.sizeBytes = Math.min(d.sizeBytes, 2 ** 30)
    }
  }
}

/** JSON with object keys sorted at every level (arrays keep their order). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o)
      .sort()
      .filter((k) => o[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(v) ?? 'undefined'
}

/** The summary without what depends on the machine's speed or the engine's version string. */
function simulatedPart(s: RunSummary): unknown {
  const { wallTimeMs: _wall, engineVersion: _version, latency, ...rest } = s
  return { ...rest, latency: { swapoutSimNs: latency.swapoutSimNs, swapinSimNs: latency.swapinSimNs, freeSimNs: latency.freeSimNs } }
}

/** sws_uuid in the swap header (engine/device/swapHeader.ts: after bootbits[1024] and three u32). */
const UUID_AT = 1024 + 12

/** Hashes every device call in issue order, with the data moved. */
class IoDigest implements IoLog {
  readonly hash: Hash = createHash('sha256')
  calls = 0
  private readonly head = Buffer.alloc(24)
  openDevice(index: number, sizeBytes: number): void {
    this.hash.update(`open ${index} ${sizeBytes}\n`)
  }
  record(device: number, op: 0 | 1 | 2, offset: number, length: number, bytes?: Uint8Array): void {
    this.calls++
    this.head.writeUInt32LE(device, 0)
    this.head.writeUInt32LE(op, 4)
    this.head.writeDoubleLE(offset, 8)
    this.head.writeDoubleLE(length, 16)
    this.hash.update(this.head)
    if (!bytes || length === 0) return
    if (op === 1 && offset === 0) {
      // The swap header's UUID is random per device file (as mkswap's): hash the page without it.
      const page = Buffer.from(bytes.subarray(0, length))
      page.fill(0, UUID_AT, UUID_AT + 16)
      this.hash.update(page)
    } else this.hash.update(bytes.subarray(0, length))
  }
}

const total = createHash('sha256')
let runs = 0
const t0 = performance.now()
for (const preset of presets()) {
  if (only.length && !only.includes(preset.id)) continue
  const config: ExperimentConfig = { ...preset.config, trials: 1, sensitivity: undefined }
  const scale = full ? undefined : SCALE_DOWN[preset.id]
  if (scale) {
    scale.apply(config)
    console.log(`scaled: ${preset.id}: ${scale.note}`)
  }
  for (const run of planRuns(config)) {
    if (!isSimulatedVariant(config.designs[run.variantIndex])) continue
    const samples: Omit<Sample, 'tWallMs'>[] = []
    const io = new IoDigest()
    const t = performance.now()
    const summary = runEngine(run.engineConfig, {
      ioRecorder: io,
      onSamples: (batch) => {
        for (const { tWallMs: _w, ...rest } of batch) samples.push(rest)
      }
    })
    const digest = createHash('sha256')
      .update(canonical({ summary: simulatedPart(summary), samples }))
      .update(io.hash.digest())
      .digest('hex')
    total.update(digest)
    runs++
    const point = Object.keys(run.point).length ? ' ' + canonical(run.point) : ''
    const extra = verbose
      ? `  sim ${summary.simTimeNs} ns, swpout ${summary.counters.pswpout}, swpin ${summary.counters.pswpin}, samples ${samples.length}, io ${io.calls}`
      : ''
    console.log(
      `${digest}  ${preset.id} / ${run.variantLabel}${point} seed ${run.seed}${extra}  (${((performance.now() - t) / 1000).toFixed(1)} s)`
    )
  }
}
console.log(`total ${total.digest('hex')}  (${runs} runs, ${((performance.now() - t0) / 1000).toFixed(0)} s)`)
