/*
 * thp_swap_allocator_test for Swap Lab: the sequence of the mm selftest of the same name
 * (tools/testing/selftests/mm/thp_swap_allocator_test.c): can mTHP swapout keep getting whole
 * slot runs while random swapins and MADV_DONTNEED fragment the swap space? Written from
 * its behaviour, parameterised like the simulated workload, reporting the fallback % of
 * each iteration on the SWAPLAB protocol (README.md), and verifying every page at the end.
 */
#include "swaplab.h"

#include <sys/mman.h>

#define FILL 0x11 /* what the selftest writes everywhere */
#define THP_DIR "/sys/kernel/mm/transparent_hugepage"

struct params {
	uint64_t order, region, iterations, drop, swapin, small_area, small_swapin, seed, progress_ms;
	int aligned, small;
	const char *cgroup_procs;
};

/* Where the order's swpout / swpout_fallback come from: per-size stats, or vmstat for PMD THP. */
struct stats_src {
	char swpout[256], fallback[256];
	int vmstat;
};

static void read_stats(const struct stats_src *s, uint64_t *out, uint64_t *fb)
{
	int bad = s->vmstat ? sl_vmstat("thp_swpout", out) | sl_vmstat("thp_swpout_fallback", fb)
			    : sl_read_u64(s->swpout, out) | sl_read_u64(s->fallback, fb);
	if (bad)
		sl_fail(7, "mthp", "cannot read %s and %s", s->vmstat ? "thp_swpout" : s->swpout,
			s->vmstat ? "thp_swpout_fallback" : s->fallback);
}

static uint64_t vmstat_or_zero(const char *field)
{
	uint64_t v = 0;
	sl_vmstat(field, &v);
	return v;
}

/* The mTHP size must be enabled, or the region gets no large folios and the test means nothing. */
static void check_mthp(uint64_t order, struct stats_src *s)
{
	char dir[128], enabled[256], buf[256];
	unsigned long kb = (SL_PAGE >> 10) << order;
	snprintf(dir, sizeof(dir), THP_DIR "/hugepages-%lukB", kb);
	snprintf(enabled, sizeof(enabled), "%s/enabled", dir);
	snprintf(s->swpout, sizeof(s->swpout), "%s/stats/swpout", dir);
	snprintf(s->fallback, sizeof(s->fallback), "%s/stats/swpout_fallback", dir);
	s->vmstat = 0;
	if (sl_read_file(enabled, buf, sizeof(buf)) <= 0) {
		/* No per-size mTHP (before 6.8): only PMD THP, whose enabled is the top-level knob. */
		if (order != 9 || sl_read_file(THP_DIR "/enabled", buf, sizeof(buf)) <= 0)
			sl_fail(7, "mthp", "this kernel has no %lukB mTHP size (%s missing; per-size mTHP needs Linux 6.8 or later)", kb,
				enabled);
		if (strstr(buf, "[never]"))
			sl_fail(7, "mthp", "THP is disabled (" THP_DIR "/enabled is never); the run must enable it");
		s->vmstat = 1;
		return;
	}
	if (strstr(buf, "[never]"))
		sl_fail(7, "mthp", "the %lukB mTHP size is not enabled (%s is never); the run must set it to always or madvise", kb,
			enabled);
	if (strstr(buf, "[inherit]")) {
		char top[256];
		if (sl_read_file(THP_DIR "/enabled", top, sizeof(top)) > 0 && strstr(top, "[never]"))
			sl_fail(7, "mthp", "the %lukB mTHP size inherits THP enabled=never; the run must enable it", kb);
	}
	if (access(s->swpout, R_OK) != 0) {
		if (order != 9)
			sl_fail(7, "mthp", "this kernel has no per-size mTHP swap stats (%s missing; Linux 6.10 or later)", s->swpout);
		s->vmstat = 1;
	}
}

/* An anonymous mapping of `size` bytes aligned to `align` (posix_memalign in the selftest). */
static char *aligned_map(uint64_t size, uint64_t align, const char *what)
{
	char *raw = mmap(NULL, size + align, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (raw == MAP_FAILED)
		sl_fail(4, "mmap", "%s: mmap of %llu bytes failed: %s", what, (unsigned long long)size, strerror(errno));
	char *mem = (char *)(((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1));
	if (mem > raw)
		munmap(raw, (size_t)(mem - raw));
	uint64_t tail = (uint64_t)(raw + size + align - (mem + size));
	if (tail)
		munmap(mem + size, tail);
	return mem;
}

static void do_madvise(char *addr, uint64_t len, int advice, const char *what)
{
	if (madvise(addr, len, advice) != 0)
		sl_fail(4, "madvise", "madvise %s of %llu bytes failed: %s", what, (unsigned long long)len, strerror(errno));
}

/* random_madvise_dontneed: total/align chunks at random aligned offsets, each dropped and re-dirtied. */
static void random_dontneed(struct sl_rng *rng, char *mem, uint64_t size, uint64_t align, uint64_t total)
{
	uint64_t n = total / align, slots = size / align;
	for (uint64_t i = 0; i < n; i++) {
		char *addr = mem + sl_rng_below(rng, slots) * align;
		do_madvise(addr, align, MADV_DONTNEED, "dontneed");
		memset(addr, FILL, align);
	}
}

/* random_swapin: total/align chunks at random aligned offsets written (faulting them back in). */
static void random_swapin(struct sl_rng *rng, char *mem, uint64_t size, uint64_t align, uint64_t total)
{
	uint64_t n = total / align, slots = size / align;
	for (uint64_t i = 0; i < n; i++)
		memset(mem + sl_rng_below(rng, slots) * align, FILL, align);
}

/* Every byte must still be FILL: reads each page back (swapping it in) after the last iteration. */
static uint64_t verify_area(const char *mem, uint64_t size, const char *what)
{
	uint64_t pattern;
	memset(&pattern, FILL, sizeof(pattern));
	for (uint64_t off = 0; off < size; off += SL_PAGE) {
		const uint64_t *w = (const uint64_t *)(mem + off);
		for (unsigned i = 0; i < SL_PAGE / 8; i++)
			if (w[i] != pattern) {
				char enc[64];
				sl_emit("error", "what=corruption area=%s page=%llu word=%u found=%#llx msg=%s", what,
					(unsigned long long)(off / SL_PAGE), i, (unsigned long long)w[i],
					sl_text("page does not hold the 0x11 fill", enc, sizeof(enc)));
				exit(5);
			}
	}
	return size / SL_PAGE;
}

int main(int argc, char **argv)
{
	struct params p = {
		.order = 4,
		.region = 60 << 20,
		.iterations = 100,
		.drop = 16 << 20,
		.swapin = 16 << 20,
		.small_area = 4 << 20,
		.small_swapin = 1 << 20,
		.seed = 1,
		.progress_ms = 100,
	};
	const struct sl_opt opts[] = {
		{ "-a", SL_FLAG, &p.aligned, "" },
		{ "-s", SL_FLAG, &p.small, "" },
		{ "--order", SL_U64, &p.order, "K" },
		{ "--region", SL_U64, &p.region, "BYTES" },
		{ "--iterations", SL_U64, &p.iterations, "N" },
		{ "--drop", SL_U64, &p.drop, "BYTES" },
		{ "--swapin", SL_U64, &p.swapin, "BYTES" },
		{ "--small-area", SL_U64, &p.small_area, "BYTES" },
		{ "--small-swapin", SL_U64, &p.small_swapin, "BYTES" },
		SL_COMMON_OPTS(p),
	};
	sl_parse_args("thp_swap_allocator_test", argc, argv, opts, SL_COUNT(opts));
	if (p.order < 1 || p.order > 9)
		sl_fail(2, "usage", "--order must be 1..9");
	uint64_t folio = SL_PAGE << p.order;
	p.region = p.region / folio * folio;
	p.small_area = (p.small_area + SL_PAGE - 1) / SL_PAGE * SL_PAGE;
	if (p.region == 0)
		sl_fail(2, "usage", "--region must hold at least one %llu-byte folio", (unsigned long long)folio);
	if (p.small && p.small_area == 0)
		sl_fail(2, "usage", "--small-area must be at least one page");
	if (p.cgroup_procs)
		sl_join_cgroup(p.cgroup_procs);

	struct stats_src src;
	check_mthp(p.order, &src);
	sl_emit("start",
		"program=thp_swap_allocator_test protocol=%d pid=%d order=%llu region=%llu iterations=%llu drop=%llu swapin=%llu "
		"aligned=%d small=%d small_area=%llu small_swapin=%llu seed=%llu stats=%s",
		SWAPLAB_PROTOCOL, (int)getpid(), (unsigned long long)p.order, (unsigned long long)p.region,
		(unsigned long long)p.iterations, (unsigned long long)p.drop, (unsigned long long)p.swapin, p.aligned, p.small,
		(unsigned long long)p.small_area, (unsigned long long)p.small_swapin, (unsigned long long)p.seed,
		src.vmstat ? "vmstat" : "mthp");

	struct sl_rng rng;
	sl_rng_seed(&rng, p.seed, 0);
	uint64_t t0 = sl_now_ns(), last = t0;
	char *mem1 = aligned_map(p.region, folio, "region");
	do_madvise(mem1, p.region, MADV_HUGEPAGE, "hugepage");
	char *mem2 = NULL;
	if (p.small) {
		mem2 = aligned_map(p.small_area, folio, "small-folio area");
		do_madvise(mem2, p.small_area, MADV_NOHUGEPAGE, "nohugepage");
	}

	/* warm-up: occupy the swap space with the whole region (and the small area) */
	memset(mem1, FILL, p.region);
	do_madvise(mem1, p.region, MADV_PAGEOUT, "pageout");
	if (p.small) {
		memset(mem2, FILL, p.small_area);
		do_madvise(mem2, p.small_area, MADV_PAGEOUT, "pageout");
	}
	sl_emit("progress", "fraction=%.4f", 1.0 / (double)(p.iterations + 2));

	double pct_sum = 0;
	for (uint64_t i = 0; i < p.iterations; i++) {
		uint64_t out0, fb0, out1, fb1;
		read_stats(&src, &out0, &fb0);
		uint64_t po0 = vmstat_or_zero("pswpout"), pi0 = vmstat_or_zero("pswpin");

		random_swapin(&rng, mem1, p.region, p.aligned ? folio : SL_PAGE, p.swapin);
		random_dontneed(&rng, mem1, p.region, folio, p.drop);
		if (p.small)
			random_swapin(&rng, mem2, p.small_area, SL_PAGE, p.small_swapin);
		do_madvise(mem1, p.region, MADV_PAGEOUT, "pageout");
		if (p.small)
			do_madvise(mem2, p.small_area, MADV_PAGEOUT, "pageout");

		read_stats(&src, &out1, &fb1);
		uint64_t po1 = vmstat_or_zero("pswpout"), pi1 = vmstat_or_zero("pswpin");
		uint64_t out = out1 - out0, fb = fb1 - fb0;
		double pct = out + fb ? 100.0 * (double)fb / (double)(out + fb) : 0;
		pct_sum += pct;
		sl_emit("iter", "n=%llu swpout=%llu fallback=%llu pct=%.2f pswpout=%llu pswpin=%llu", (unsigned long long)(i + 1),
			(unsigned long long)out, (unsigned long long)fb, pct, (unsigned long long)(po1 - po0),
			(unsigned long long)(pi1 - pi0));
		uint64_t now = sl_now_ns();
		if (now - last >= p.progress_ms * 1000000ULL) {
			sl_emit("progress", "fraction=%.4f", (double)(i + 2) / (double)(p.iterations + 2));
			last = now;
		}
	}

	uint64_t verified = verify_area(mem1, p.region, "region");
	if (p.small)
		verified += verify_area(mem2, p.small_area, "small");
	uint64_t wall = sl_now_ns() - t0;
	munmap(mem1, p.region);
	if (mem2)
		munmap(mem2, p.small_area);
	char usage_buf[256];
	sl_emit("progress", "fraction=1");
	sl_emit("result", "iterations=%llu fallback_pct_mean=%.4f verified_pages=%llu wall_ns=%llu %s", (unsigned long long)p.iterations,
		p.iterations ? pct_sum / (double)p.iterations : 0.0, (unsigned long long)verified, (unsigned long long)wall,
		sl_usage_fields(usage_buf, sizeof(usage_buf)));
	return 0;
}
