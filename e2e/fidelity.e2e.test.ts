// The Fidelity view in the browser, from recorded runs: no kernel is booted here. The runs are
// real runs of the fidelity set's first case (usemem sequential, 1 x 64 MiB in 32 MiB) on the
// host kernel 6.18 and on Debian 6.12 under TCG, three trials each, with their paired designs
// (swap-table P1, cluster), measured on the development machine and exported to
// e2e/fixtures/fidelity-runs.json. They are imported through the web bridge; the view rebuilds
// the report from the store. Starting the set goes through the same bridge, which refuses a
// kernel path and names a bad option before anything is recorded.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { browser, call as api, page, screenshot, served, useLab } from './harness'

useLab()

describe('the fidelity report in the browser (recorded kernel runs, not booted here)', () => {
  it('shows the report rebuilt from imported runs: kernel vs simulated vs diff, misses marked, kernels badged', async () => {
    expect((await api('fidelityReport', [])).value).toBeNull()
    const json = readFileSync(join(__dirname, 'fixtures', 'fidelity-runs.json'), 'utf8')
    const imported = await api<{ runIds: number[] }>('importJson', [json])
    expect(imported.ok).toBe(true)
    expect(imported.value!.runIds).toHaveLength(12)

    await page.goto(served.url)
    await page.click('[data-nav=fidelity]')
    await page.waitForSelector('[data-case="usemem-seq-1p-32M"]')
    const host = page.locator('[data-case="usemem-seq-1p-32M"] tr[data-pair="host"][data-metric="pswpout"]')
    expect(await host.innerText()).toMatch(/26,984 ± 1,303\s+24,576 ± 0\s+-8\.9 %\s+MISS/)
    expect(await host.locator('[data-test=miss]').count()).toBe(1)
    const vm = page.locator('[data-case="usemem-seq-1p-32M"] tr[data-pair="debian-6.12.117-1~deb12u1"][data-metric="pswpin"]')
    expect(await vm.innerText()).toMatch(/16,433 ± 4\s+16,384 ± 0\s+-0\.3 %\s+ok/)
    const badges = await page.locator('[data-case="usemem-seq-1p-32M"] [data-test=kernel-badge]').allInnerTexts()
    expect(badges[0]).toMatch(/kernel 6\.18\.44.*host.*system-wide counters/s)
    expect(badges[1]).toMatch(/kernel 6\.12\.117\+deb12-cloud-amd64 · VM · TCG.*wall times are emulation/s)
    // The recorded set has no host-profile runs: the view says the profile is not fitted, or that this set was recorded without it.
    expect(await page.locator('[data-test=host-profile]').innerText()).toMatch(
      /^Host profile: (not fitted\.|fitted, but this set was recorded without it: rerun the set to fill its rows\.)$/
    )
    await screenshot(page, '12-fidelity')
    expect(browser.problems).toEqual([])
  })

  it('starts the set through the bridge: a kernel path is refused, a bad option named before anything runs', async () => {
    const path = await api('startFidelity', [{ kernels: ['/boot/vmlinuz'] }])
    expect(path.ok).toBe(false)
    expect(path.error).toMatch(/^options\.kernels\.0: "\/boot\/vmlinuz" is not host or debian-<version>/)
    const bad = await api('startFidelity', [{ kernels: ['host'], cases: ['usemem-everything'] }])
    expect(bad.ok).toBe(false)
    expect(bad.error).toMatch(/options\.cases: unknown case "usemem-everything"; expected some of usemem-seq-1p-32M, /)
    // Nothing was started: the store still holds only the imported runs.
    expect((await api<unknown[]>('listRuns', [])).value).toHaveLength(12)
  })
})
