// Files the lab writes for the user (exports): checked before anything is written, and
// written through a temporary file in the same folder and a rename, so a failed export never
// leaves half a file and never replaces the run database or any other SQLite file.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { PathError } from './errors'

const SQLITE_MAGIC = 'SQLite format 3\0'
/** The first bytes of an SQLite write-ahead log (either byte order of its magic number). */
const WAL_MAGICS = ['377f0682', '377f0683']

/** True when the file starts like an SQLite database or its write-ahead log. */
export function isSqliteFile(file: string): boolean {
  let fd: number | undefined
  try {
    fd = fs.openSync(file, 'r')
    const head = Buffer.alloc(16)
    const n = fs.readSync(fd, head, 0, 16, 0)
    return (n === 16 && head.toString('latin1') === SQLITE_MAGIC) || (n >= 4 && WAL_MAGICS.includes(head.toString('hex', 0, 4)))
  } catch {
    return false
  } finally {
    if (fd !== undefined) fs.closeSync(fd)
  }
}

function sameFile(a: fs.Stats, file: string): boolean {
  try {
    const b = fs.statSync(file)
    return a.dev === b.dev && a.ino === b.ino
  } catch {
    return false
  }
}

export interface OutputCheck {
  /** Replace an existing file (never an SQLite file). */
  force?: boolean
  /** Files that must never be written (the run database); their -wal, -shm and -journal files are protected too. */
  protect?: string[]
}

/** Throws PathError (one line naming the path and the reason) when `file` must not be written. */
export function checkOutputPath(file: string, o: OutputCheck = {}): void {
  const abs = path.resolve(file)
  const dir = path.dirname(abs)
  let dirStat: fs.Stats
  try {
    dirStat = fs.statSync(dir)
  } catch {
    throw new PathError(file, `the folder ${dir} does not exist`)
  }
  if (!dirStat.isDirectory()) throw new PathError(file, `${dir} is not a folder`)
  let st: fs.Stats | undefined
  try {
    st = fs.statSync(abs)
  } catch {
    st = undefined
  }
  if (st) {
    if (st.isDirectory()) throw new PathError(file, 'is a directory; give a file name')
    if (!st.isFile()) throw new PathError(file, 'is not a regular file')
    const guarded = (o.protect ?? []).flatMap((p) => [p, `${p}-wal`, `${p}-shm`, `${p}-journal`])
    if (guarded.some((p) => sameFile(st!, p)))
      throw new PathError(file, 'is the run database (an SQLite database); refusing to overwrite it')
    if (isSqliteFile(abs)) throw new PathError(file, 'is an SQLite database; refusing to overwrite it')
    if (!o.force) throw new PathError(file, 'already exists; add --force to overwrite it')
  }
  try {
    fs.accessSync(dir, fs.constants.W_OK)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new PathError(file, code === 'EROFS' ? `the folder ${dir} is read-only` : `cannot write in ${dir} (${code})`)
  }
}

/** A temporary file beside `file`, renamed over it by commit(); abort() removes it. */
export interface PendingFile {
  write(chunk: string | Buffer): void
  commit(): void
  abort(): void
}

export function openPendingFile(file: string): PendingFile {
  const abs = path.resolve(file)
  const tmp = path.join(path.dirname(abs), `.${path.basename(abs)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`)
  let fd: number | null = fs.openSync(tmp, 'wx', 0o644)
  const close = (): void => {
    if (fd !== null) fs.closeSync(fd)
    fd = null
  }
  return {
    write: (chunk) => {
      if (fd === null) throw new Error(`${file}: already closed`)
      fs.writeSync(fd, chunk as string)
    },
    commit: () => {
      fs.fsyncSync(fd!)
      close()
      fs.renameSync(tmp, abs)
    },
    abort: () => {
      try {
        close()
      } finally {
        fs.rmSync(tmp, { force: true })
      }
    }
  }
}

/**
 * Writes several files all or nothing: every one goes to a temporary file first; only when
 * all are written are they renamed into place. A failure leaves the targets as they were.
 */
export function writeFilesAtomically(files: { file: string; write(put: (chunk: string | Buffer) => void): void }[]): void {
  const pending: PendingFile[] = []
  try {
    for (const f of files) {
      const p = openPendingFile(f.file)
      pending.push(p)
      try {
        f.write((chunk) => p.write(chunk))
      } catch (e) {
        throw new Error(`cannot write ${f.file}: ${(e as Error).message}`, { cause: e })
      }
    }
    for (const p of pending) p.commit()
  } catch (e) {
    for (const p of pending) p.abort()
    throw e
  }
}
