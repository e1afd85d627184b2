// QEMU for kernel runs: finding it, its command line, and a process that never outlives the
// run. The guest's console (ttyS0: kernel log, /init's stderr) is QEMU's stdout; the data
// channel (ttyS1: SWAPLAB lines of /init and the workload) is a Unix socket QEMU connects to.
//
// Lifetime: QEMU is started under `setpriv --pdeathsig KILL` where util-linux has it, so the
// kernel kills it if the Node process dies in any way (even SIGKILL); every live QEMU is also
// killed from a process 'exit' handler, and on every path out of a run.

import { spawn, type ChildProcess } from 'node:child_process'
import * as fs from 'node:fs'
import * as net from 'node:net'
import * as path from 'node:path'

export type Accel = 'kvm' | 'tcg'

export const QEMU_BINARY = 'qemu-system-x86_64'
export const QEMU_HINT = 'install QEMU: `apt-get install qemu-system-x86` (Debian/Ubuntu) or `dnf install qemu-system-x86` (Fedora)'

/** An executable on the PATH, or null. */
export function which(name: string): string | null {
  for (const dir of (process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin').split(':')) {
    if (!dir) continue
    const p = path.join(dir, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      if (fs.statSync(p).isFile()) return p
    } catch {
      /* not here */
    }
  }
  return null
}

/** Whether KVM can be tried: /dev/kvm exists and we may open it. */
export function kvmUsable(): boolean {
  try {
    fs.accessSync('/dev/kvm', fs.constants.R_OK | fs.constants.W_OK)
    return true
  } catch {
    return false
  }
}

export interface QemuSpec {
  accel: Accel
  cpus: number
  memoryMiB: number
  kernel: string
  initrd: string
  /** The kernel command line. */
  append: string
  /** Raw disk images, attached as virtio disks vda, vdb, ... in this order. */
  disks: { file: string; discard: boolean }[]
  /** The Unix socket the guest's second serial port (the data channel) connects to. */
  dataSocket: string
}

export function qemuArgs(s: QemuSpec): string[] {
  const args = [
    '-accel',
    s.accel === 'kvm' ? 'kvm' : 'tcg,thread=multi',
    '-cpu',
    s.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(s.cpus),
    '-m',
    `${s.memoryMiB}M`,
    '-display',
    'none',
    '-vga',
    'none',
    '-monitor',
    'none',
    '-no-reboot',
    '-serial',
    'stdio',
    '-chardev',
    `socket,id=swaplabdata,path=${s.dataSocket}`,
    '-serial',
    'chardev:swaplabdata',
    '-kernel',
    s.kernel,
    '-initrd',
    s.initrd,
    '-append',
    s.append
  ]
  for (const d of s.disks) {
    if (d.file.includes(',')) throw new Error(`device file path ${d.file} contains a comma, which QEMU's -drive cannot take`)
    args.push('-drive', `file=${d.file},if=virtio,format=raw,cache=none${d.discard ? ',discard=unmap' : ''}`)
  }
  return args
}

const live = new Set<ChildProcess>()
let exitHookInstalled = false

function installExitHook(): void {
  if (exitHookInstalled) return
  exitHookInstalled = true
  process.on('exit', () => {
    for (const p of live) {
      try {
        p.kill('SIGKILL')
      } catch {
        /* already gone */
      }
    }
  })
}

/** How many QEMU processes this Node process has running (tests check it drops to 0). */
export function liveQemuCount(): number {
  return live.size
}

export interface QemuRun {
  pid: number | undefined
  /** Resolves when QEMU has exited (and the data channel is closed). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>
  /** SIGKILL; safe to call more than once. */
  kill(): void
}

/**
 * Starts QEMU with a listening data socket. `onConsole` gets the guest console's chunks,
 * `onData` the data channel's. Spawn errors (no QEMU) reject `exited` with a clear message.
 */
export async function startQemu(spec: QemuSpec, onConsole: (chunk: string) => void, onData: (chunk: string) => void): Promise<QemuRun> {
  const qemu = which(QEMU_BINARY)
  if (!qemu) throw new Error(`VM runs need ${QEMU_BINARY}, which is not on the PATH: ${QEMU_HINT}`)
  installExitHook()
  fs.rmSync(spec.dataSocket, { force: true })
  const conns = new Set<net.Socket>()
  const server = net.createServer((c) => {
    conns.add(c)
    c.setEncoding('utf8')
    c.on('data', (d: string) => onData(d))
    c.on('error', () => {})
    c.on('close', () => conns.delete(c))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(spec.dataSocket, () => resolve())
  })
  const setpriv = which('setpriv')
  const cmd = setpriv ?? qemu
  const args = setpriv ? ['--pdeathsig', 'KILL', qemu, ...qemuArgs(spec)] : qemuArgs(spec)
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  live.add(child)
  let stderr = ''
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (d: string) => onConsole(d))
  child.stderr!.setEncoding('utf8')
  child.stderr!.on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000)
  })
  const closeServer = () =>
    new Promise<void>((resolve) => {
      for (const c of conns) c.destroy()
      server.close(() => resolve())
    })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => {
    let done = false
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (done) return
      done = true
      live.delete(child)
      // Let the data socket deliver what the guest wrote last before closing it.
      setTimeout(() => {
        void closeServer().then(() => {
          fs.rmSync(spec.dataSocket, { force: true })
          resolve({ code, signal, stderr })
        })
      }, 50)
    }
    child.on('error', (e) => {
      stderr += `\n${(e as Error).message}`
      finish(null, null)
    })
    child.on('exit', (code, signal) => finish(code, signal))
  })
  return {
    pid: child.pid,
    exited,
    kill() {
      if (child.exitCode === null && child.signalCode === null) {
        try {
          child.kill('SIGKILL')
        } catch {
          /* gone */
        }
      }
    }
  }
}
