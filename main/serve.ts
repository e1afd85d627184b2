// `swaplab serve`: the browser mode. Opens the lab service, serves the built renderer behind
// the loopback web bridge, prints the URL (with its per-launch token), and runs until
// SIGINT/SIGTERM, then cancels what is running and closes the database.

import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { openLabForApp } from './appLab'
import { startWebBridge } from './web'

const USAGE = `Usage: swaplab serve [--port N] [--db FILE]

Serves Swap Lab to a browser on this machine only (127.0.0.1), with a random access token.
  --port N    port to listen on (default: a free port)
  --db FILE   run database (default: SWAPLAB_DB or the user data folder)
`

export interface ServeArgs {
  port: number
  db?: string
  help: boolean
}

/** Parses serve's arguments; throws with a message naming the bad argument. */
export function parseServeArgs(argv: string[]): ServeArgs {
  const out: ServeArgs = { port: 0, help: false }
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]
    const [flag, inline] =
      a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined]
    const value = (): string => {
      const v = inline ?? argv[++i]
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`)
      return v
    }
    if (flag === '--help' || flag === '-h') out.help = true
    else if (flag === '--port') {
      const p = Number(value())
      if (!Number.isInteger(p) || p < 0 || p > 65535) throw new Error(`--port must be an integer from 0 to 65535; got ${argv[i]}`)
      out.port = p
    } else if (flag === '--db') out.db = resolve(value())
    else throw new Error(`unknown argument ${a}`)
  }
  return out
}

/** The built renderer: out/renderer beside out/main (this module may be bundled into out/main/chunks/) or under out/ (from source). */
export function findRendererDir(from = __dirname): string | null {
  for (const dir of [join(from, '..', 'renderer'), join(from, '..', '..', 'renderer'), join(from, '..', 'out', 'renderer')])
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets'))) return dir
  return null
}

export async function serveCommand(argv: string[]): Promise<number> {
  let args: ServeArgs
  try {
    args = parseServeArgs(argv)
  } catch (e) {
    process.stderr.write(`swaplab serve: ${(e as Error).message}\n\n${USAGE}`)
    return 2
  }
  if (args.help) {
    process.stdout.write(USAGE)
    return 0
  }
  const rendererDir = findRendererDir()
  if (!rendererDir) {
    process.stderr.write('swaplab serve: the app is not built yet; run `npm run build` and try again.\n')
    return 1
  }

  const lab = await openLabForApp({ dbPath: args.db })
  let bridge
  try {
    bridge = await startWebBridge(lab.api, { rendererDir, port: args.port, traces: lab.traces })
  } catch (e) {
    await lab.close()
    process.stderr.write(`swaplab serve: cannot listen on 127.0.0.1:${args.port}: ${(e as Error).message}\n`)
    return 1
  }

  process.stdout.write(
    [
      'Swap Lab is serving on this machine only (127.0.0.1).',
      `  Database: ${lab.dbPath}`,
      lab.recoveredRunIds.length
        ? `  Marked interrupted: run ${lab.recoveredRunIds.join(', ')} (the previous process stopped mid-run)`
        : null,
      `  Open:     ${bridge.url}`,
      'The link carries an access token; anyone with it can use the lab. Press Ctrl+C to stop.',
      ''
    ]
      .filter((l) => l !== null)
      .join('\n')
  )

  await new Promise<void>((done) => {
    const stop = (): void => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      done()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  process.stdout.write('Stopping: cancelling running runs and closing the database…\n')
  await bridge.close()
  await lab.close()
  return 0
}
