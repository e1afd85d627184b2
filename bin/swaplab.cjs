#!/usr/bin/env node
// The `swaplab` command: runs the built CLI (npm install builds it via the prepare script).
const path = require('node:path')
const fs = require('node:fs')
const cli = path.join(__dirname, '..', 'out', 'main', 'cli.js')
if (!fs.existsSync(cli)) {
  console.error('swaplab: the CLI is not built yet; run `npm run build` (npm install does it) and try again.')
  process.exit(2)
}
require(cli)
