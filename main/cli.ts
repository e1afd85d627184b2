// The `swaplab` command line (bin/swaplab.cjs runs the build of this file). Commands are in
// ./cli/commands.ts; this entry only wires them to the process.

import pkg from '../package.json'
import { runCli } from './cli/commands'

void runCli(process.argv.slice(2), {
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
  stderrTty: Boolean(process.stderr.isTTY),
  columns: process.stderr.columns,
  env: process.env,
  appVersion: pkg.version
}).then((code) => {
  process.exitCode = code
})
