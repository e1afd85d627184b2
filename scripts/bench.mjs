// Builds bench/run.ts into one bundle (as the app and CLI are built, so figures reflect
// production code, not a TypeScript loader) and runs it, passing the arguments on.
import { buildSync } from 'esbuild'
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const outfile = path.join(root, 'out', 'bench', 'run.cjs')
buildSync({
  entryPoints: [path.join(root, 'bench', 'run.ts')],
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  outfile,
  external: ['better-sqlite3'],
  logLevel: 'warning'
})
const r = spawnSync(process.execPath, ['--expose-gc', outfile, ...process.argv.slice(2)], { stdio: 'inherit', cwd: root })
process.exit(r.status ?? 1)
