// The workload programs' output (SWAPLAB protocol, programs/README.md): parsing lines into
// events, collecting a run's events into an outcome, the workload metrics a summary
// carries, and the command line that runs a workload's program. Pure: no I/O, so the host
// backend (a child's stdout) and the VM backend (the guest's serial console) share it.

import { KERNEL_WORKLOADS, type EngineConfig } from '../types'
import type { ProgramName } from './build'

export const PROTOCOL_VERSION = 1
const MARK = 'SWAPLAB '

export interface ProtocolEvent {
  event: string
  /** key -> value as printed (percent-decoded). */
  fields: Record<string, string>
}

/** Percent-decodes a value (`%20` -> space); a malformed escape is kept as is. */
export function decodeValue(v: string): string {
  return v.replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
}

/**
 * One line of output -> an event, or null if the line is not a protocol line. Text before
 * `SWAPLAB ` (console noise) and a trailing `\r` are ignored; tokens without `=` are skipped.
 */
export function parseLine(line: string): ProtocolEvent | null {
  const at = line.indexOf(MARK)
  if (at < 0) return null
  const tokens = line
    .slice(at + MARK.length)
    .replace(/\r$/, '')
    .trim()
    .split(/\s+/)
  const event = tokens.shift()
  if (!event || !/^[a-z][a-z0-9_-]*$/.test(event)) return null
  const fields: Record<string, string> = {}
  for (const t of tokens) {
    const eq = t.indexOf('=')
    if (eq <= 0) continue
    const key = t.slice(0, eq)
    if (!/^[a-z0-9_]+$/.test(key)) continue
    fields[key] = decodeValue(t.slice(eq + 1))
  }
  return { event, fields }
}

/** A numeric field; NaN when absent or not a number. */
export function num(ev: ProtocolEvent, key: string): number {
  const v = ev.fields[key]
  return v === undefined || v === '' ? Number.NaN : Number(v)
}

/** A dump: raw lines between `SWAPLAB dump-begin name=N` and `SWAPLAB dump-end name=N` (used by the VM's /init). */
export interface Dump {
  name: string
  text: string
}

/**
 * Splits a stream (chunks of stdout or of the serial console) into lines and events.
 * Lines between dump-begin and dump-end are collected as the dump's text instead.
 */
export class ProtocolReader {
  private rest = ''
  private dump: { name: string; lines: string[] } | null = null
  readonly dumps: Dump[] = []
  /** Non-protocol lines outside dumps (the program's or the console's own text), last 200. */
  readonly otherLines: string[] = []

  /** Feeds a chunk; returns the events completed by it. */
  push(chunk: string): ProtocolEvent[] {
    const text = this.rest + chunk
    const lines = text.split('\n')
    this.rest = lines.pop() ?? ''
    return this.lines(lines)
  }

  /** The stream ended: a last unterminated line is parsed too. */
  end(): ProtocolEvent[] {
    const last = this.rest
    this.rest = ''
    return last ? this.lines([last]) : []
  }

  private lines(lines: string[]): ProtocolEvent[] {
    const out: ProtocolEvent[] = []
    for (const raw of lines) {
      const line = raw.replace(/\r$/, '')
      const ev = parseLine(line)
      if (this.dump) {
        if (ev?.event === 'dump-end') {
          this.dumps.push({ name: this.dump.name, text: this.dump.lines.join('\n') + '\n' })
          this.dump = null
        } else {
          this.dump.lines.push(line)
        }
        continue
      }
      if (ev?.event === 'dump-begin') {
        this.dump = { name: ev.fields.name ?? '', lines: [] }
        continue
      }
      if (ev) out.push(ev)
      else if (line.trim()) {
        this.otherLines.push(line)
        if (this.otherLines.length > 200) this.otherLines.shift()
      }
    }
    return out
  }
}

/** Everything a program said over a run. */
export interface ProgramOutcome {
  start: ProtocolEvent | null
  result: ProtocolEvent | null
  errors: ProtocolEvent[]
  iters: ProtocolEvent[]
  tasks: ProtocolEvent[]
  /** The last progress fraction seen (0..1). */
  progress: number
}

export function emptyOutcome(): ProgramOutcome {
  return { start: null, result: null, errors: [], iters: [], tasks: [], progress: 0 }
}

/** Adds one event to an outcome (returns it for chaining). */
export function addEvent(o: ProgramOutcome, ev: ProtocolEvent): ProgramOutcome {
  switch (ev.event) {
    case 'start':
      o.start = ev
      break
    case 'result':
      o.result = ev
      break
    case 'error':
      o.errors.push(ev)
      break
    case 'iter':
      o.iters.push(ev)
      break
    case 'task':
      o.tasks.push(ev)
      break
    case 'progress': {
      const f = num(ev, 'fraction')
      if (Number.isFinite(f)) o.progress = Math.min(1, Math.max(0, f))
      break
    }
  }
  return o
}

export function collectOutcome(events: ProtocolEvent[]): ProgramOutcome {
  const o = emptyOutcome()
  for (const ev of events) addEvent(o, ev)
  return o
}

/** One line naming the first error a program reported, e.g. "corruption: task 0 page 12 ...". */
export function describeError(ev: ProtocolEvent): string {
  const { what = 'error', msg, ...rest } = ev.fields
  const detail = Object.entries(rest)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  return `${what}${msg ? `: ${msg}` : ''}${detail ? ` (${detail})` : ''}`
}

/**
 * Whether the run succeeded, and if not, why: a program error line, a missing result, or
 * a non-zero exit. `exit` is the exit code or the signal name of the program.
 */
export function outcomeProblem(o: ProgramOutcome, exit: { code: number | null; signal: string | null }): string | null {
  if (o.errors.length) return describeError(o.errors[0])
  if (exit.signal) return `the workload program was killed by ${exit.signal}`
  if (exit.code !== 0) return `the workload program exited with status ${exit.code}`
  if (!o.result) return 'the workload program ended without printing its result'
  return null
}

const MB = 1e6

/** The workload's own metrics, named as the simulated workload reports them (engine/workloads/catalogue.ts). */
export function workloadMetrics(workload: string, o: ProgramOutcome): Record<string, number | number[]> {
  const r = o.result
  if (!r) return {}
  const fin = (x: number): number => (Number.isFinite(x) ? x : 0)
  if (workload === 'usemem') {
    return {
      throughputMBps: fin(num(r, 'throughput_bytes_per_s')) / MB,
      throughputMBpsPerTask: fin(num(r, 'throughput_bytes_per_s_per_task')) / MB,
      freeLatencyMsMean: fin(num(r, 'free_ns_mean')) / 1e6,
      freeLatencyMsMax: fin(num(r, 'free_ns_max')) / 1e6,
      verifiedPages: fin(num(r, 'verified_pages'))
    }
  }
  if (workload === 'thp-swap-allocator-test') {
    const pct = o.iters.map((e) => fin(num(e, 'pct')))
    return {
      fallbackPercentPerIteration: pct,
      fallbackPercentMean: pct.length ? pct.reduce((a, b) => a + b, 0) / pct.length : 0,
      swpoutPerIteration: o.iters.map((e) => fin(num(e, 'swpout'))),
      swpoutFallbackPerIteration: o.iters.map((e) => fin(num(e, 'fallback'))),
      pswpoutPerIteration: o.iters.map((e) => fin(num(e, 'pswpout'))),
      verifiedPages: fin(num(r, 'verified_pages'))
    }
  }
  return {}
}

/** User and system time of the workload (getrusage of the program and its children), ns. */
export function workloadTimes(o: ProgramOutcome): { userNs: number; systemNs: number; majorFaults: number; minorFaults: number } | null {
  const r = o.result
  if (!r) return null
  return {
    userNs: num(r, 'utime_ns'),
    systemNs: num(r, 'stime_ns'),
    majorFaults: num(r, 'majflt'),
    minorFaults: num(r, 'minflt')
  }
}

/**
 * The program and arguments that run a config's workload (without --cgroup-procs, which the
 * backend adds). Throws naming the workload when it has no kernel program.
 */
export function programFor(config: Pick<EngineConfig, 'workload' | 'seed'>): { program: ProgramName; args: string[] } {
  const p = config.workload.params
  const int = (k: string, d: number): string => String(Math.floor(p[k] === undefined ? d : Number(p[k])))
  const seed = String(Math.max(0, Math.floor(config.seed)))
  switch (config.workload.name) {
    case 'usemem': {
      const args = ['--tasks', int('tasks', 4), '--size', int('sizeBytes', 64 << 20), '--passes', int('passes', 2)]
      if (p.random === true || p.random === 'true') args.push('--random')
      if (p.barrier === true || p.barrier === 'true') args.push('--barrier')
      args.push('--write-ratio', String(p.writeRatio === undefined ? 1 : Number(p.writeRatio)), '--seed', seed)
      return { program: 'usemem', args }
    }
    case 'thp-swap-allocator-test': {
      const drop = int('dropBytes', 16 << 20)
      const args: string[] = []
      if (p.alignedSwapin === true || p.alignedSwapin === 'true') args.push('-a')
      if (p.smallFolioArea === true || p.smallFolioArea === 'true') args.push('-s')
      const smallArea = int('smallAreaBytes', 4 << 20)
      args.push(
        '--order',
        int('mthpOrder', 4),
        '--region',
        int('regionBytes', 60 << 20),
        '--iterations',
        int('iterations', 100),
        '--drop',
        drop,
        // The selftest swaps in as much as it drops (TOTAL_DONTNEED_MTHP), and a quarter of its small area.
        '--swapin',
        int('swapinBytes', Number(drop)),
        '--small-area',
        smallArea,
        '--small-swapin',
        int('smallSwapinBytes', Math.floor(Number(smallArea) / 4 / 4096) * 4096),
        '--seed',
        seed
      )
      return { program: 'thp_swap_allocator_test', args }
    }
    default:
      throw new Error(`workload ${config.workload.name} has no kernel program yet: kernel runs support ${KERNEL_WORKLOADS.join(' and ')}`)
  }
}
