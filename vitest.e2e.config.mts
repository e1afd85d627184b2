import { defineConfig } from 'vitest/config'

// End to end: the built app (`npm run build`) served by `swaplab serve` with a fresh
// database, driven in the system Chromium by playwright-core. Screenshots go to
// artifacts/screenshots/ (kept by .ci/run).
export default defineConfig({
  test: {
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    testTimeout: 240_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: false
  }
})
