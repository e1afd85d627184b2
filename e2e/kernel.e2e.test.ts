// Kernel runs in the browser: real runs of the host kernel, Debian 6.12 under TCG and
// swap-table P1 (measured on the development machine, e2e/fixtures/kernel-runs.json) are
// imported through the web bridge and shown side by side in Compare with their kernel badges;
// the New experiment form offers the kernels the lab has; a kernel image path from the page is
// refused by the bridge.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { browser, call as api, drawnTexts, exportSvg, page, screenshot, served, useLab } from './harness'

useLab()

describe('kernel runs in the browser', () => {
  it('refuses a kernel image path from the page, and offers the host and Debian kernels in the form', async () => {
    const config = {
      designs: [{ design: 'kernel', options: { image: '/boot/vmlinuz' } }],
      workload: { name: 'usemem', params: { tasks: 1, sizeBytes: 16 * 2 ** 20 } },
      memoryLimitBytes: 8 * 2 ** 20
    }
    const r = await api('start', [config])
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(/^designs\.0\.options\.image: a kernel image path is refused/)

    await page.goto(served.url)
    await page.waitForSelector('#f-source')
    await page.selectOption('select[aria-label="design to add"]', 'kernel')
    await page.click('button:has-text("Add design")')
    const picker = page.locator('#f-designs-2-options-image')
    await picker.waitFor()
    // The lab answers with the host first (listing what apt can fetch may take a few seconds).
    await page.waitForFunction(
      () => ((globalThis as any).document.querySelector('#f-designs-2-options-image')?.options.length ?? 0) >= 1,
      null,
      { timeout: 60_000 }
    )
    const values = await picker.locator('option').evaluateAll((os: any[]) => os.map((o) => o.value))
    expect(values[0]).toBe('host')
    expect(values.slice(1).every((v: string) => v.startsWith('debian-'))).toBe(true)
    await page.locator('[data-test=kernel-options]').evaluate((el: any) => el.scrollIntoView({ block: 'center' }))
    await screenshot(page, '09-new-experiment-kernel')
  })

  it('shows real kernel runs beside their simulated design in Runs and Compare, marked with release, VM/host and caveats', async () => {
    const json = readFileSync(join(__dirname, 'fixtures', 'kernel-runs.json'), 'utf8')
    const imported = await api<{ runIds: number[] }>('importJson', [json])
    expect(imported.ok).toBe(true)
    const ids = imported.value!.runIds
    await page.goto(served.url)
    await page.click('[data-nav=runs]')
    await page.waitForSelector(`tr[data-run="${ids[0]}"] [data-test=kernel-badge]`)
    expect(await page.locator(`tr[data-run="${ids[0]}"] [data-test=kernel-badge]`).innerText()).toMatch(
      /kernel 6\.18.*host.*system-wide counters/s
    )
    expect(await page.locator(`tr[data-run="${ids[1]}"] [data-test=kernel-badge]`).innerText()).toMatch(
      /kernel 6\.12\.117\+deb12-cloud-amd64 · VM · TCG.*wall times are emulation/s
    )
    expect(await page.locator(`tr[data-run="${ids[2]}"] [data-test=kernel-badge]`).count()).toBe(0)
    for (const id of ids) await page.check(`input[aria-label="select run ${id}"]`)
    await page.click(`[data-test=pin-${ids[2]}]`)
    await screenshot(page, '10-runs-kernel')

    await page.click('[data-nav=compare]')
    await page.waitForSelector('[data-test=deltas] [data-test=kernel-badge]')
    await page.waitForTimeout(500)
    const rows = page.locator('[data-test=deltas] tbody tr')
    expect(await rows.count()).toBe(3)
    const text = await page.locator('[data-test=deltas]').innerText()
    expect(text).toMatch(/kernel host/)
    expect(text).toMatch(/kernel debian-6\.12/)
    expect(text).toMatch(/swap-table P1/)
    expect(text).toMatch(/wall times are emulation/)
    expect(text).toMatch(/system-wide counters/)
    await screenshot(page, '11-compare-kernels')

    // In the same charts as the simulated design: its bar beside the others, one colour each in the legend, kernels marked.
    const legend = await page.locator('[data-test=design-legend] .legend-item').allInnerTexts()
    expect(legend).toHaveLength(3)
    expect(await page.locator('[data-test=design-legend] .badge.kernel').count()).toBe(2)
    const chart = (await page.locator('[data-chart^="compare-"]').first().getAttribute('data-chart'))!
    const labels = (await drawnTexts((await exportSvg(chart)).svg)).map((t) => t.text)
    // Marked in the chart too: each kernel's bar label names the kernel release it ran.
    expect(labels).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kernel host \[kernel 6\.18\./),
        expect.stringMatching(/^kernel debian-6\.12 \[kernel 6\.12\.117\+deb12-cloud-amd64\]$/),
        'swap-table P1'
      ])
    )

    // A kernel run is a baseline like any other, chosen in Compare and kept in the address.
    await page.selectOption('[data-test=baseline-select]', 'design:kernel host')
    await page.waitForSelector('[data-test=baseline]:has-text("kernel host")')
    expect(await page.locator('[data-test=baseline] .badge.kernel').count()).toBe(1)
    expect(page.url()).toContain('base=design%3Akernel+host')
    const table = await page.locator('[data-test=deltas] tbody tr').evaluateAll((trs: any[]) =>
      trs.map((tr) => ({
        group: tr.dataset.group as string,
        baseline: tr.classList.contains('baseline'),
        deltas: tr.querySelectorAll('[data-verdict]').length
      }))
    )
    expect(table.filter((r) => r.baseline).map((r) => r.group)).toEqual([expect.stringMatching(/kernel host/)])
    for (const r of table.filter((x) => !x.baseline)) expect(r.deltas, r.group).toBeGreaterThan(0)
    expect(browser.problems).toEqual([])
  })
})
