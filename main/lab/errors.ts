// Errors the lab service raises for callers to show as they are: bad input (exit code 2 in
// the CLI) and references to runs that do not exist.

import type { FieldError } from '../../experiments/api'
import { formatFieldErrors } from '../../experiments/schema'

/** Input that fails validation; `errors` names every offending field. */
export class InputError extends Error {
  constructor(readonly errors: FieldError[]) {
    super(formatFieldErrors(errors))
    this.name = 'InputError'
  }
}

export class NotFoundError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'NotFoundError'
  }
}

/** A path the lab cannot use (a directory, a device, a read-only or missing folder): one line naming it and why. */
export class PathError extends Error {
  constructor(
    readonly path: string,
    reason: string
  ) {
    super(`${path}: ${reason}`)
    this.name = 'PathError'
  }
}

/** A valid experiment whose kernel runs cannot start on this machine (no root, no QEMU, no image); nothing was recorded. */
export class PreflightError extends InputError {
  constructor(errors: FieldError[]) {
    super(errors)
    this.name = 'PreflightError'
  }
}
