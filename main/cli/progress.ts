// Progress of `swaplab run` on stderr: a redrawn bar on a terminal, plain lines otherwise
// (logs, CI, pipes), nothing with --quiet.

import type { LabEvent, RunRecord } from '../../experiments/api'
import { fmtDuration } from './format'

const describe = (r: RunRecord): string => {
  const point = Object.entries(r.point)
    .map(([k, v]) => `${k.split('.').at(-1)}=${v}`)
    .join(' ')
  return `${r.variantLabel}${point ? ` ${point}` : ''} trial ${r.trial}`
}

export interface ProgressOptions {
  tty: boolean
  write(text: string): void
  columns?: number
}

export function progressReporter(o: ProgressOptions): { onEvent(e: LabEvent): void; end(): void } {
  let current: RunRecord | null = null
  let lastLine = ''
  const clear = (): void => {
    if (o.tty && lastLine) o.write('\r\x1b[2K')
    lastLine = ''
  }
  const draw = (line: string): void => {
    const width = Math.max(20, (o.columns || 100) - 1)
    const text = line.length > width ? line.slice(0, width) : line
    o.write(`\r\x1b[2K${text}`)
    lastLine = text
  }
  return {
    onEvent(e) {
      switch (e.type) {
        case 'run-started':
          current = e.run
          if (!o.tty) o.write(`run ${e.run.id} started: ${describe(e.run)}\n`)
          return
        case 'progress': {
          if (!o.tty || !current) return
          const p = e.progress
          const overall = p.runsTotal ? (p.runsDone + p.fraction) / p.runsTotal : 0
          const filled = Math.round(overall * 24)
          draw(
            `[${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] run ${p.runsDone + 1}/${p.runsTotal} ${describe(current)} ${Math.round(p.fraction * 100)}%  ETA ${fmtDuration(p.etaSeconds)}`
          )
          return
        }
        case 'run-finished': {
          clear()
          const r = e.run
          const took = r.wallTimeMs !== null ? ` in ${fmtDuration(r.wallTimeMs / 1000)}` : ''
          o.write(`run ${r.id} ${r.status}${took}: ${describe(r)}${r.error ? ` (${r.error})` : ''}\n`)
          return
        }
        default:
          return
      }
    },
    end: clear
  }
}
