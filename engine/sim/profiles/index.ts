// Cost profiles shipped with the engine, by name ('default' is engine/sim/cost.ts itself).
// host: the constants fitted to this machine's kernel by `swaplab calibrate` (engine/sim/
// calibrate.ts) over the run set of engine/kernel/calibrationRuns.ts. host.json keeps, beside
// the constants, how they were made: the kernel release, the dates, the run set, the residual
// of every run and each constant's source (calibration.sources). How to refit: docs/cli.md,
// "Calibration".

import type { CostProfileFile } from '../costProfile'
import host from './host.json'

export const BUILTIN_PROFILES: { host: CostProfileFile | null } = { host: host as CostProfileFile }
