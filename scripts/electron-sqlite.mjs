#!/usr/bin/env node
// Produces better-sqlite3 built for Electron's ABI in native/electron-<version>/, which the
// desktop app loads through the `nativeBinding` option. The working tree's node_modules is
// never touched (tests and the CLI keep the Node build): the package is copied to a temp
// folder and the Electron build is fetched (prebuild-install) or compiled (node-gyp) there.
// Both need the internet (GitHub release assets or Electron headers).
//
//   node scripts/electron-sqlite.mjs               build (again)
//   node scripts/electron-sqlite.mjs --if-missing  only when native/ has no build yet (npm start)

import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, copyFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(join(root, 'package.json'))
const args = new Set(process.argv.slice(2))
const STEP_TIMEOUT_MS = Number(process.env.SWAPLAB_NATIVE_TIMEOUT_MS ?? 180_000)

function readJson(file) {
  return JSON.parse(readFileSync(file, 'utf8'))
}

const electronVersion = readJson(require.resolve('electron/package.json')).version
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'))
const sqliteVersion = readJson(join(sqliteDir, 'package.json')).version
const outDir = process.env.SWAPLAB_NATIVE_DIR
  ? resolve(process.env.SWAPLAB_NATIVE_DIR)
  : join(root, 'native', `electron-${electronVersion}`)
const outFile = join(outDir, 'better_sqlite3.node')

if (args.has('--if-missing') && existsSync(outFile)) process.exit(0)

console.log(
  `swaplab: building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${process.arch}) into ${outDir}`
)

// Build in a copy, so a failed build cannot leave node_modules without its Node build.
const work = mkdtempSync(join(tmpdir(), 'swaplab-electron-sqlite-'))
const pkg = join(work, 'better-sqlite3')
cpSync(sqliteDir, pkg, { recursive: true, filter: (src) => !src.startsWith(join(sqliteDir, 'build')) })

// npm passes its config to scripts as npm_config_*; nodedir=/usr (set on some machines for
// Node builds) would make node-gyp compile against Node's headers instead of Electron's.
const env = { ...process.env }
for (const k of Object.keys(env)) if (/^npm_config_(nodedir|target|runtime|disturl|dist_url)$/i.test(k)) delete env[k]

function run(label, cmd, cmdArgs) {
  console.log(`swaplab: ${label}…`)
  const r = spawnSync(cmd, cmdArgs, { cwd: pkg, env, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', timeout: STEP_TIMEOUT_MS })
  // The cause, not the noise: network and compiler errors first, else the last lines.
  const lines = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')
  const causes = lines.filter((l) => /ENOTFOUND|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|getaddrinfo|Error:|error:/.test(l))
  const why = (causes.length ? causes.slice(0, 3) : lines.slice(-3)).join('\n    ')
  return { ok: r.status === 0, why: r.error ? r.error.message : why || `exit code ${r.status}` }
}

function nodeGypScript() {
  for (const candidate of [
    () => require.resolve('node-gyp/bin/node-gyp.js'),
    () => join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js')
  ]) {
    try {
      const p = candidate()
      if (existsSync(p)) return p
    } catch {
      // not installed there
    }
  }
  return null
}

const built = join(pkg, 'build', 'Release', 'better_sqlite3.node')
const attempts = []
const prebuild = run('downloading a prebuilt binary (prebuild-install)', process.execPath, [
  require.resolve('prebuild-install/bin.js'),
  '--runtime',
  'electron',
  '--target',
  electronVersion,
  '--arch',
  process.arch,
  '--platform',
  process.platform,
  '--verbose'
])
attempts.push(['prebuild-install (github.com release assets)', prebuild])
if (!prebuild.ok || !existsSync(built)) {
  const gyp = nodeGypScript()
  if (gyp)
    attempts.push([
      'node-gyp (Electron headers from electronjs.org)',
      run('compiling against Electron headers (node-gyp)', process.execPath, [
        gyp,
        'rebuild',
        '--release',
        '--runtime=electron',
        `--target=${electronVersion}`,
        '--dist-url=https://electronjs.org/headers'
      ])
    ])
  else attempts.push(['node-gyp', { ok: false, why: 'node-gyp not found (it ships with npm)' }])
}

if (existsSync(built)) {
  mkdirSync(outDir, { recursive: true })
  copyFileSync(built, outFile)
  rmSync(work, { recursive: true, force: true })
  console.log(`swaplab: done: ${outFile}`)
  process.exit(0)
}

rmSync(work, { recursive: true, force: true })
console.error(`
swaplab: could not produce better-sqlite3 for Electron ${electronVersion}.

The desktop app keeps its runs in SQLite and needs better-sqlite3 built for Electron's ABI,
which is either downloaded from the package's GitHub releases or compiled against Electron's
headers from electronjs.org. Neither could be reached from this machine:
${attempts.map(([what, r]) => `  - ${what}: ${r.ok ? 'ran, but produced no binary' : 'failed'}\n    ${r.why}`).join('\n')}

What to do:
  - on a machine with internet access: run \`npm run electron:sqlite\`, then \`npm start\`;
  - or use the browser mode, which needs neither Electron nor this build:
      npx swaplab serve      (prints a http://127.0.0.1:.../?token=... link to open)

Nothing in node_modules was changed; tests and the CLI keep using the Node build.
`)
process.exit(1)
