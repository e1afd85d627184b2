// `swaplab serve`: the browser mode. Opens the lab service, serves the built renderer behind
// the loopback web bridge, prints the URL (with its per-launch token), and runs until
// SIGINT/SIGTERM, then cancels what is running and closes the database.

import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { openLabForApp } from './appLab'
import { startWebBridge } from './web'

export interface ServeOptions {
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number
  /** The run database (absolute); default SWAPLAB_DB or the user data folder. */
  db?: string
}

/** The built renderer: out/renderer beside out/main (this module may be bundled into out/main/chunks/) or under out/ (from source). */
export function findRendererDir(from = __dirname): string | null {
  for (const dir of [join(from, '..', 'renderer'), join(from, '..', '..', 'renderer'), join(from, '..', 'out', 'renderer')])
    if (existsSync(join(dir, 'index.html')) && existsSync(join(dir, 'assets'))) return dir
  return null
}

/** Runs `swaplab serve` (its options are parsed and checked by the CLI, main/cli/commands.ts). */
export async function serveCommand(args: ServeOptions): Promise<number> {
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
