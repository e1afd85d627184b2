// Cost profiles shipped with the engine, by name ('default' is engine/sim/cost.ts itself).
// host: the constants fitted to this machine's kernel by `swaplab calibrate` (engine/sim/
// calibrate.ts). It has not been fitted yet, so nothing is shipped under that name and
// `--cost-profile host` fails saying so. Once calibration has written host.json next to
// this file, import it here:
//   import host from './host.json'
//   export const BUILTIN_PROFILES = { host: host as CostProfileFile }

import type { CostProfileFile } from '../costProfile'

export const BUILTIN_PROFILES: { host: CostProfileFile | null } = { host: null }
