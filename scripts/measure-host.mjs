// Measures the host-profile run set (engine/kernel/calibrationRuns.ts) on this machine's
// kernel and writes the records `swaplab calibrate --runs FILE` fits (docs/cli.md,
// "Calibration"). Root only. Built into one bundle like the bench, so it runs production code.
//   node scripts/measure-host.mjs --out runs.json [--trials 3] [--only TEXT]
import { buildSync } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outfile = path.join(root, 'out', 'scripts', 'measureHost.cjs')
buildSync({
  entryPoints: [path.join(root, 'scripts', 'measureHost.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile,
  logLevel: 'warning'
})
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root })
process.exit(r.status ?? 1)
