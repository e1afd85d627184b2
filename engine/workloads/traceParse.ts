// Trace line parsing (pure; the file is streamed by engine/device/traceFile.ts). Two
// formats, both reduced to page accesses (4 KiB pages):
// - lackey: `valgrind --tool=lackey --trace-mem=yes` output. `I  ADDR,SIZE` is an
//   instruction fetch, ` L` a load (reads), ` S` a store and ` M` a modify (writes); ADDR
//   is hex, SIZE decimal bytes, and an access crossing a page boundary touches both pages.
//   `==PID==` banner lines and anything else are skipped. One process: task 0.
// - csv: header `task,page,write`, then one access per row: task a non-negative integer
//   (each task is its own address space), page a page number (decimal or 0x hex: address
//   >> 12), write 0 or 1. Blank lines and lines starting with # are skipped.

export type TraceFormat = 'lackey' | 'csv'

export const CSV_HEADER = 'task,page,write'

/** One parsed line: pages first..last of task, read or written. */
export interface LineAccess {
  task: number
  first: number
  last: number
  write: boolean
}

/** Format of a trace from its first non-empty line. */
export function detectFormat(firstLine: string): TraceFormat {
  return firstLine.trim().toLowerCase().startsWith('task,') ? 'csv' : 'lackey'
}

const C_I = 73
const C_L = 76
const C_S = 83
const C_M = 77
const C_SPACE = 32
const C_COMMA = 44

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48
  if (c >= 97 && c <= 102) return c - 87
  if (c >= 65 && c <= 70) return c - 55
  return -1
}

/** Parses one lackey line into `out`; false for lines that are not accesses. */
export function parseLackeyLine(line: string, out: LineAccess): boolean {
  const c0 = line.charCodeAt(0)
  let i: number
  if (c0 === C_I) {
    out.write = false
    i = 1
  } else if (c0 === C_SPACE) {
    const c1 = line.charCodeAt(1)
    if (c1 === C_L) out.write = false
    else if (c1 === C_S || c1 === C_M) out.write = true
    else return false
    i = 2
  } else return false
  while (line.charCodeAt(i) === C_SPACE) i++
  const h0 = i
  let addr = 0
  for (let d; (d = hexDigit(line.charCodeAt(i))) >= 0; i++) addr = addr * 16 + d
  const digits = i - h0
  if (digits === 0 || digits > 16 || line.charCodeAt(i) !== C_COMMA) return false
  let size = 0
  for (i++; i < line.length; i++) {
    const c = line.charCodeAt(i) - 48
    if (c < 0 || c > 9) break
    size = size * 10 + c
  }
  // Beyond 13 hex digits a double loses the low bits: take the page number exactly.
  const page = digits > 13 ? Number(BigInt('0x' + line.slice(h0, h0 + digits - 3))) : Math.floor(addr / 4096)
  const offset = digits > 13 ? parseInt(line.slice(h0 + digits - 3, h0 + digits), 16) : addr % 4096
  out.task = 0
  out.first = page
  out.last = page + Math.floor((offset + Math.max(size, 1) - 1) / 4096)
  return true
}

/** Parses one csv row into `out`; false for blank and comment lines; throws on a bad row. */
export function parseCsvLine(line: string, lineNo: number, out: LineAccess): boolean {
  const t = line.trim()
  if (t === '' || t.startsWith('#')) return false
  const f = t.split(',')
  const bad = (why: string): never => {
    throw new Error(`trace line ${lineNo}: ${why} (expected ${CSV_HEADER}; got "${t.slice(0, 80)}")`)
  }
  if (f.length !== 3) bad('three fields needed')
  const task = Number(f[0])
  if (!Number.isInteger(task) || task < 0) bad('task must be a non-negative integer')
  const ps = f[1].trim()
  const page = /^0x[0-9a-f]+$/i.test(ps) ? parseInt(ps, 16) : /^\d+$/.test(ps) ? Number(ps) : NaN
  if (!Number.isSafeInteger(page)) bad('page must be a decimal or 0x hex page number')
  const w = f[2].trim()
  if (w !== '0' && w !== '1') bad('write must be 0 or 1')
  out.task = task
  out.first = page
  out.last = page
  out.write = w === '1'
  return true
}

/**
 * Turns a stream of lines into page accesses: runs of accesses by one task to one page
 * collapse into one (a write if any of them wrote; `count` is the run's length in lines).
 * push() leaves the runs a line finished in the out* arrays, n of them.
 */
export class PageAccessStream {
  private readonly line: LineAccess = { task: 0, first: 0, last: 0, write: false }
  private format: TraceFormat | null
  private lineNo = 0
  private headerSeen = false
  accessLines = 0 /** lines that were accesses */
  // Finished runs of the last push (a line may end runs on several pages).
  n = 0
  outTask: number[] = []
  outPage: number[] = []
  outWrite: boolean[] = []
  outCount: number[] = []
  // The run being collapsed.
  private runTask = -1
  private runPage = -1
  private runWrite = false
  private runCount = 0

  constructor(format: TraceFormat | 'auto') {
    this.format = format === 'auto' ? null : format
  }

  /** Feeds one line; returns the number of finished runs now in the out* arrays. */
  push(text: string): number {
    this.n = 0
    this.lineNo++
    if (this.format === null) {
      if (text.trim() === '') return 0
      this.format = detectFormat(text)
    }
    if (this.format === 'csv' && !this.headerSeen) {
      const t = text.trim()
      if (t === '' || t.startsWith('#')) return 0
      if (t.toLowerCase() !== CSV_HEADER) throw new Error(`trace line ${this.lineNo}: csv traces start with the header "${CSV_HEADER}"`)
      this.headerSeen = true
      return 0
    }
    const a = this.line
    const ok = this.format === 'csv' ? parseCsvLine(text, this.lineNo, a) : parseLackeyLine(text, a)
    if (!ok) return 0
    this.accessLines++
    for (let p = a.first; p <= a.last; p++) {
      if (p === this.runPage && a.task === this.runTask) {
        this.runWrite ||= a.write
        this.runCount++
        continue
      }
      this.endRun()
      this.runTask = a.task
      this.runPage = p
      this.runWrite = a.write
      this.runCount = 1
    }
    return this.n
  }

  /** Ends the stream: the last run is left in the out* arrays. */
  flush(): number {
    this.n = 0
    this.endRun()
    this.runTask = -1
    this.runPage = -1
    return this.n
  }

  private endRun(): void {
    if (!this.runCount) return
    const k = this.n++
    this.outTask[k] = this.runTask
    this.outPage[k] = this.runPage
    this.outWrite[k] = this.runWrite
    this.outCount[k] = this.runCount
    this.runCount = 0
  }
}
