// SIGINT / SIGTERM while runs are going: the first one cancels every run (what was recorded is
// kept), a second one quits at once. `run` and `fidelity` both wait on runs this way.

import type { LabService } from '../lab/service'
import type { CliIo } from './program'

export interface SignalCancel {
  /** The exit code of the signal that stopped the runs (130 SIGINT, 143 SIGTERM), or null. */
  stoppedExit(): number | null
  /** Stops listening. */
  off(): void
}

const exitCode = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : 143)

export function cancelOnSignals(lab: Pick<LabService, 'cancel'>, io: CliIo): SignalCancel {
  let stoppedBy: NodeJS.Signals | null = null
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stoppedBy) process.exit(exitCode(signal))
    stoppedBy = signal
    io.stderr(`\nswaplab: ${signal}: cancelling; what was recorded is kept (again to quit at once)\n`)
    void lab.cancel('all')
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    stoppedExit: () => (stoppedBy ? exitCode(stoppedBy) : null),
    off: () => {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
  }
}
