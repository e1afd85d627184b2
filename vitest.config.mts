import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

export default defineConfig({
  plugins: [vue()],
  test: {
    include: [
      'engine/**/*.test.ts',
      'experiments/**/*.test.ts',
      'main/**/*.test.ts',
      'renderer/**/*.test.ts',
      'bench/**/*.test.ts',
      'test/**/*.test.ts'
    ],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks'
  }
})
