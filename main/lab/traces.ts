// The lab's own folder of trace files. The app never passes a path to the engine: a trace
// chosen in the Electron file dialog is copied here by main, one uploaded from a browser is
// streamed here by the web bridge, and configs name it `lab:<name>`. Only names this folder
// holds resolve; nothing outside it can be reached.

import * as fs from 'node:fs'
import * as path from 'node:path'
import { randomBytes } from 'node:crypto'
import { pipeline } from 'node:stream/promises'
import type { Readable } from 'node:stream'
import { LAB_TRACE_PREFIX } from '../../experiments/pathFields'
import { PathError } from './errors'

/** The largest trace the bridge accepts as an upload. */
export const MAX_TRACE_BYTES = 4 * 2 ** 30
const NAME = /^[\w.-]{1,120}$/

/** A file name from a user's machine reduced to a safe one, keeping the extension (.gz, .csv, .lackey). */
export function safeTraceName(original: string): string {
  const base = path.basename(original.replace(/\\/g, '/'))
  const safe = base
    .replace(/[^\w.-]/g, '_')
    .replace(/^[.]+/, '')
    .slice(-80)
  return safe || 'trace'
}

export class TraceStore {
  constructor(readonly dir: string) {}

  private fresh(original: string): { name: string; file: string } {
    fs.mkdirSync(this.dir, { recursive: true })
    const name = `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}-${safeTraceName(original)}`
    return { name, file: path.join(this.dir, name) }
  }

  /** Copies a file the user picked (main's file dialog) into the folder; returns its config value. */
  addFile(source: string): { ref: string; name: string } {
    const { name, file } = this.fresh(source)
    try {
      fs.copyFileSync(source, file, fs.constants.COPYFILE_EXCL | fs.constants.COPYFILE_FICLONE)
    } catch (e) {
      fs.rmSync(file, { force: true })
      throw new PathError(source, `cannot copy the trace into the lab (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`)
    }
    return { ref: `${LAB_TRACE_PREFIX}${name}`, name: path.basename(source) }
  }

  /** Streams an upload into the folder (at most maxBytes); returns its config value. A failed upload leaves nothing. */
  async addStream(body: Readable, original: string, maxBytes = MAX_TRACE_BYTES): Promise<{ ref: string; name: string }> {
    const { name, file } = this.fresh(original)
    let size = 0
    const limit = async function* (src: Readable): AsyncGenerator<Buffer> {
      for await (const chunk of src) {
        size += (chunk as Buffer).length
        if (size > maxBytes) throw new Error(`the trace is larger than ${maxBytes} bytes`)
        yield chunk as Buffer
      }
    }
    try {
      await pipeline(body, limit, fs.createWriteStream(file, { flags: 'wx' }))
    } catch (e) {
      fs.rmSync(file, { force: true })
      throw e
    }
    if (size === 0) {
      fs.rmSync(file, { force: true })
      throw new Error('the trace is empty')
    }
    return { ref: `${LAB_TRACE_PREFIX}${name}`, name: safeTraceName(original) }
  }

  /** The file of a `lab:<name>` value, or null when it is not one this folder holds. */
  resolve(ref: string): string | null {
    if (!ref.startsWith(LAB_TRACE_PREFIX)) return null
    const name = ref.slice(LAB_TRACE_PREFIX.length)
    if (!NAME.test(name) || name.startsWith('.')) return null
    const file = path.join(this.dir, name)
    try {
      return fs.lstatSync(file).isFile() ? file : null
    } catch {
      return null
    }
  }
}
