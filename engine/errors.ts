// Errors the engine raises; each names what went wrong so front ends can show it as is.

/** A config value is out of range; `field` is the dotted path of the offending field. */
export class ConfigError extends Error {
  constructor(
    readonly field: string,
    message: string
  ) {
    super(`${field}: ${message}`)
    this.name = 'ConfigError'
  }
}

/** A page read back from the device does not match what was written there. */
export class CorruptionError extends Error {
  constructor(
    readonly device: number,
    readonly slot: number,
    detail: string
  ) {
    super(`swap device ${device} slot ${slot}: page corrupt (${detail})`)
    this.name = 'CorruptionError'
  }
}

/** A structural invariant of a design does not hold: a bug in the engine. */
export class InvariantError extends Error {
  constructor(message: string) {
    super(`invariant violated: ${message}`)
    this.name = 'InvariantError'
  }
}

/** Swap space ran out and no folio could be evicted (the kernel would OOM-kill). */
export class OutOfSwapError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OutOfSwapError'
  }
}

/** The run was stopped on request; partial results stay valid. */
export class RunCancelled extends Error {
  constructor() {
    super('run cancelled')
    this.name = 'RunCancelled'
  }
}

export function invariant(cond: unknown, message: string | (() => string)): asserts cond {
  if (!cond) throw new InvariantError(typeof message === 'string' ? message : message())
}
