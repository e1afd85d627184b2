// Progress of `swaplab run` on stderr: on a terminal a cli-progress bar redrawn in place (runs
// done of the total, the current run and its percentage, the lab's ETA) with a line per finished
// run above it; otherwise (logs, CI, pipes) one plain line per run start and end and no bar;
// nothing with --quiet.

import { SingleBar } from 'cli-progress'
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

/** Bar steps per run: the bar's value is runs done plus the current run's fraction, in thousandths. */
const STEPS = 1000

export interface ProgressReporter {
  onEvent(e: LabEvent): void
  /** Writes whole lines above the bar (the bar is cleared and comes back with the next progress). */
  log(text: string): void
  end(): void
}

export function progressReporter(o: ProgressOptions): ProgressReporter {
  let current: RunRecord | null = null
  // cli-progress draws on a stream: this one is the CLI's stderr, as wide as the terminal less
  // one column (a line that fills the last column would wrap on some terminals).
  const stream = {
    isTTY: true,
    columns: Math.max(20, (o.columns || 100) - 1),
    write(text: string): boolean {
      o.write(text)
      return true
    }
  } as unknown as NodeJS.WriteStream
  const bar = o.tty
    ? new SingleBar({
        stream,
        format: '[{bar}] run {run}/{runs} {label} {runPercent}%  ETA {etaText}',
        barsize: 24,
        barCompleteChar: '#',
        barIncompleteChar: '.',
        // Cut to the width, no escape codes that change the terminal's wrapping or cursor.
        linewrap: true,
        hideCursor: false,
        clearOnComplete: true,
        // The CLI cancels the runs on SIGINT/SIGTERM itself, then ends the bar.
        gracefulExit: false
      })
    : null
  const stop = (): void => {
    if (bar?.isActive) bar.stop()
  }
  return {
    onEvent(e) {
      switch (e.type) {
        case 'run-started':
          current = e.run
          if (!o.tty) o.write(`run ${e.run.id} started: ${describe(e.run)}\n`)
          return
        case 'progress': {
          if (!bar || !current) return
          const p = e.progress
          const payload = {
            run: p.runsDone + 1,
            runs: p.runsTotal,
            label: describe(current),
            runPercent: Math.round(p.fraction * 100),
            etaText: fmtDuration(p.etaSeconds)
          }
          const total = Math.max(1, p.runsTotal) * STEPS
          const value = Math.round((p.runsDone + p.fraction) * STEPS)
          if (!bar.isActive) bar.start(total, value, payload)
          else {
            bar.setTotal(total)
            bar.update(value, payload)
          }
          return
        }
        case 'run-finished': {
          stop()
          const r = e.run
          const took = r.wallTimeMs !== null ? ` in ${fmtDuration(r.wallTimeMs / 1000)}` : ''
          o.write(`run ${r.id} ${r.status}${took}: ${describe(r)}${r.error ? ` (${r.error})` : ''}\n`)
          return
        }
        default:
          return
      }
    },
    log(text) {
      stop()
      o.write(text)
    },
    end: stop
  }
}
