// Run-store ingest throughput: samples/s written through RunStore.appendSamples in the
// batch size the runner uses, into a fresh WAL database in the OS temp folder.
// Usage: npx tsx bench/store.ts [samples] [batch]. The figure depends on load: other
// processes on a 2-core box can halve it.

import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { SAMPLE_FIELDS, type Sample } from '../engine/pure'
import { RunStore } from '../main/lab/store'

const total = Number(process.argv[2] ?? 1_000_000)
const batch = Number(process.argv[3] ?? 1000)
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'swaplab-bench-'))
const store = RunStore.open(path.join(dir, 'bench.db'))
const exp = store.createExperiment({ name: 'bench', config: {} })
const [runId] = store.createRuns(exp, [
  {
    design: 'legacy',
    variantLabel: 'legacy',
    workload: 'usemem',
    point: {},
    trial: 0,
    seed: 1,
    storage: 'metadata-only',
    config: {},
    engineVersion: 'bench',
    appVersion: 'bench',
    platform: 'bench'
  }
])

// Shaped like the engine's samples: counters are whole numbers, rates are not.
const RATES = new Set<string>(['pageRate', 'throughputMBps'])
const samples: Sample[] = Array.from({ length: batch }, (_, i) => ({
  tSimNs: i * 1e7,
  tWallMs: i * 0.37 + 0.123456789,
  ops: i * 100,
  values: Object.fromEntries(SAMPLE_FIELDS.map((f, j) => [f, RATES.has(f) ? i * 1.2345678 + j : i * (j + 1) * 37])) as Sample['values']
}))

const t0 = process.hrtime.bigint()
for (let done = 0; done < total; done += batch) store.appendSamples(runId, samples)
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
const n = store.countSamples(runId)
store.close()
const size =
  fs.statSync(path.join(dir, 'bench.db')).size +
  (fs.existsSync(path.join(dir, 'bench.db-wal')) ? fs.statSync(path.join(dir, 'bench.db-wal')).size : 0)
fs.rmSync(dir, { recursive: true, force: true })
console.log(
  `store ingest: ${n} samples (${SAMPLE_FIELDS.length} fields each) in batches of ${batch}: ${seconds.toFixed(2)} s, ${Math.round(n / seconds).toLocaleString('en')} samples/s, ${(size / n).toFixed(0)} B/sample on disk`
)
