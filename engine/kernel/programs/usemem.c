/*
 * usemem for Swap Lab: vm-scalability's usemem behaviour (N processes each map and touch S
 * bytes, sequentially or at random, for several passes, then unmap), with every page
 * carrying its identity and a checksum so that whatever the kernel swapped out and back in is
 * verified. Output protocol: README.md. Build: cc -static -O2 -Wall -I. usemem.c
 */
#include "swaplab.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#define PAGE_WORDS (SL_PAGE / 8)
#define PAGE_MAGIC 0x4547415042414c53ULL /* "SLABPAGE" little-endian */
#define HDR_WORDS 5			 /* magic, task, page, generation, checksum */
#define PROGRESS_BATCH 256		 /* pages between updates of the shared counter */

struct params {
	uint64_t tasks, size, passes, seed, progress_ms;
	int random, barrier;
	double write_ratio;
	const char *cgroup_procs;
	/* Tests only (--corrupt-page P): task 0 flips one byte of page P after writing it, to prove the check fails. */
	int64_t corrupt_page;
};

/* Shared with the tasks (one MAP_SHARED page): pages touched per task, for progress. */
static volatile uint64_t *touched;
/* With --barrier: tasks that have finished each pass, the last one included, so that no task unmaps
 * before all are done (after the per-task figures in the shared page). */
static volatile uint64_t *arrived;

/* --barrier: wait until every task has finished this pass (polling every 50 us: no CPU spent waiting). */
static void pass_barrier(const struct params *p, uint64_t pass)
{
	__atomic_add_fetch(&arrived[pass], 1, __ATOMIC_ACQ_REL);
	struct timespec nap = { 0, 50000 };
	while (__atomic_load_n(&arrived[pass], __ATOMIC_ACQUIRE) < p->tasks)
		nanosleep(&nap, NULL);
}

static uint64_t body_seed(uint64_t task, uint64_t page, uint64_t gen)
{
	uint64_t x = task * 0x9e3779b97f4a7c15ULL ^ page * 0xc2b2ae3d27d4eb4fULL ^ gen * 0x165667b19e3779f9ULL;
	return sl_splitmix(&x);
}

static uint64_t checksum(const uint64_t *w)
{
	uint64_t c = 0xcbf29ce484222325ULL;
	for (unsigned i = HDR_WORDS; i < PAGE_WORDS; i++)
		c = (c ^ w[i]) * 0x100000001b3ULL;
	return c;
}

static void fill_page(uint64_t *w, uint64_t task, uint64_t page, uint64_t gen)
{
	uint64_t x = body_seed(task, page, gen);
	for (unsigned i = HDR_WORDS; i < PAGE_WORDS; i++)
		w[i] = sl_splitmix(&x);
	w[1] = task;
	w[2] = page;
	w[3] = gen;
	w[4] = checksum(w);
	w[0] = PAGE_MAGIC;
}

/* Checks a page against what this task last wrote there (generation gen; 0: never written). */
static void verify_page(const uint64_t *w, uint64_t task, uint64_t page, uint64_t gen)
{
	if (gen == 0) {
		for (unsigned i = 0; i < PAGE_WORDS; i++)
			if (w[i] != 0)
				sl_fail(5, "corruption", "task %llu page %llu was never written but word %u holds %#llx",
					(unsigned long long)task, (unsigned long long)page, i, (unsigned long long)w[i]);
		return;
	}
	const char *why = NULL;
	if (w[0] != PAGE_MAGIC)
		why = "bad magic";
	else if (w[1] != task || w[2] != page)
		why = "another page's identity";
	else if (w[3] != gen)
		why = "stale generation";
	else if (w[4] != checksum(w))
		why = "checksum mismatch";
	if (!why)
		return;
	char enc[256];
	sl_emit("error", "what=corruption task=%llu page=%llu expected_gen=%llu found_task=%llu found_page=%llu found_gen=%llu msg=%s",
		(unsigned long long)task, (unsigned long long)page, (unsigned long long)gen, (unsigned long long)w[1],
		(unsigned long long)w[2], (unsigned long long)w[3], sl_text(why, enc, sizeof(enc)));
	exit(5);
}

/* One task: map, touch for all passes, verify, unmap. Runs in a forked child. */
static void run_task(const struct params *p, uint64_t idx)
{
	uint64_t pages = (p->size + SL_PAGE - 1) / SL_PAGE;
	struct sl_rng rng;
	sl_rng_seed(&rng, p->seed, idx + 1);
	uint32_t *gens = calloc(pages, sizeof(*gens));
	if (!gens)
		sl_fail(4, "mmap", "task %llu: no memory for the page generations", (unsigned long long)idx);
	char *mem = mmap(NULL, pages * SL_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		sl_fail(4, "mmap", "task %llu: mmap of %llu bytes failed: %s", (unsigned long long)idx,
			(unsigned long long)(pages * SL_PAGE), strerror(errno));

	uint64_t verified = 0, since = 0;
	uint64_t t0 = sl_now_ns();
	for (uint64_t pass = 0; pass < p->passes; pass++) {
		for (uint64_t i = 0; i < pages; i++) {
			uint64_t vpn = p->random ? sl_rng_below(&rng, pages) : i;
			int write = p->write_ratio >= 1 || sl_rng_unit(&rng) < p->write_ratio;
			uint64_t *w = (uint64_t *)(mem + vpn * SL_PAGE);
			verify_page(w, idx, vpn, gens[vpn]);
			verified += gens[vpn] != 0;
			if (write) {
				gens[vpn]++;
				fill_page(w, idx, vpn, gens[vpn]);
				if (idx == 0 && (int64_t)vpn == p->corrupt_page)
					((volatile unsigned char *)w)[SL_PAGE - 1] ^= 0x5a;
			}
			if (++since == PROGRESS_BATCH) {
				__atomic_add_fetch(&touched[idx], since, __ATOMIC_RELAXED);
				since = 0;
			}
		}
		if (p->barrier)
			pass_barrier(p, pass);
	}
	__atomic_add_fetch(&touched[idx], since, __ATOMIC_RELAXED);
	uint64_t elapsed = sl_now_ns() - t0;
	if (elapsed == 0)
		elapsed = 1;
	uint64_t t1 = sl_now_ns();
	if (munmap(mem, pages * SL_PAGE) != 0)
		sl_fail(4, "mmap", "task %llu: munmap failed: %s", (unsigned long long)idx, strerror(errno));
	uint64_t free_ns = sl_now_ns() - t1;
	uint64_t bytes = pages * p->passes * SL_PAGE;
	sl_emit("task", "i=%llu bytes=%llu ns=%llu throughput_bytes_per_s=%.0f free_ns=%llu verified=%llu", (unsigned long long)idx,
		(unsigned long long)bytes, (unsigned long long)elapsed, (double)bytes * 1e9 / (double)elapsed,
		(unsigned long long)free_ns, (unsigned long long)verified);
	/* The parent collects the figures from the shared page too, so they survive a lost line. */
	touched[p->tasks + 3 * idx] = elapsed;
	touched[p->tasks + 3 * idx + 1] = free_ns;
	touched[p->tasks + 3 * idx + 2] = verified;
	free(gens);
	exit(0);
}

int main(int argc, char **argv)
{
	struct params p = { .tasks = 1, .size = 64 << 20, .passes = 1, .seed = 1, .progress_ms = 100, .write_ratio = 1, .corrupt_page = -1 };
	const struct sl_opt opts[] = {
		{ "--tasks", SL_U64, &p.tasks, "N" },
		{ "--size", SL_U64, &p.size, "BYTES" },
		{ "--passes", SL_U64, &p.passes, "P" },
		{ "--random", SL_FLAG, &p.random, "" },
		{ "--barrier", SL_FLAG, &p.barrier, "" },
		{ "--write-ratio", SL_DOUBLE, &p.write_ratio, "R" },
		SL_COMMON_OPTS(p),
		{ "--corrupt-page", SL_U64, &p.corrupt_page, "P" },
	};
	sl_parse_args("usemem", argc, argv, opts, SL_COUNT(opts));
	if (p.tasks < 1 || p.tasks > 4096)
		sl_fail(2, "usage", "--tasks must be 1..4096");
	if (p.size < SL_PAGE)
		sl_fail(2, "usage", "--size must be at least one page");
	if (p.passes < 1)
		sl_fail(2, "usage", "--passes must be at least 1");
	if (!(p.write_ratio >= 0 && p.write_ratio <= 1))
		sl_fail(2, "usage", "--write-ratio must be within 0..1");
	if (p.progress_ms < 1)
		p.progress_ms = 1;
	if (p.cgroup_procs)
		sl_join_cgroup(p.cgroup_procs);

	if (p.passes > 1000)
		sl_fail(2, "usage", "--passes must be 1..1000");
	sl_emit("start",
		"program=usemem protocol=%d pid=%d tasks=%llu size=%llu passes=%llu random=%d barrier=%d write_ratio=%g seed=%llu",
		SWAPLAB_PROTOCOL, (int)getpid(), (unsigned long long)p.tasks, (unsigned long long)p.size,
		(unsigned long long)p.passes, p.random, p.barrier, p.write_ratio, (unsigned long long)p.seed);

	size_t shared = (((p.tasks * 4 + p.passes) * sizeof(uint64_t)) + SL_PAGE - 1) & ~(SL_PAGE - 1);
	touched = mmap(NULL, shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (touched == MAP_FAILED)
		sl_fail(4, "mmap", "shared progress page: %s", strerror(errno));
	arrived = touched + p.tasks * 4;

	uint64_t t0 = sl_now_ns();
	pid_t *pids = calloc(p.tasks, sizeof(*pids));
	if (!pids)
		sl_fail(4, "mmap", "no memory");
	pid_t supervisor = getpid();
	for (uint64_t i = 0; i < p.tasks; i++) {
		fflush(NULL);
		pid_t pid = fork();
		if (pid < 0) {
			int e = errno;
			for (uint64_t k = 0; k < i; k++)
				kill(pids[k], SIGKILL);
			while (wait(NULL) > 0)
				;
			sl_fail(4, "fork", "fork of task %llu failed: %s", (unsigned long long)i, strerror(e));
		}
		if (pid == 0) {
			/* a task never outlives the supervisor (killed, cancelled) */
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			if (getppid() != supervisor)
				_exit(6);
			run_task(&p, i);
		}
		pids[i] = pid;
	}

	uint64_t pages = (p.size + SL_PAGE - 1) / SL_PAGE, total = p.tasks * pages * p.passes, left = p.tasks;
	struct timespec nap = { (time_t)(p.progress_ms / 1000), (long)(p.progress_ms % 1000) * 1000000L };
	while (left > 0) {
		nanosleep(&nap, NULL);
		int status;
		pid_t pid;
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			uint64_t idx = 0;
			while (idx < p.tasks && pids[idx] != pid)
				idx++;
			if (idx == p.tasks)
				continue;
			pids[idx] = 0;
			left--;
			if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
				continue;
			for (uint64_t k = 0; k < p.tasks; k++)
				if (pids[k] > 0)
					kill(pids[k], SIGKILL);
			while (wait(NULL) > 0)
				;
			if (WIFSIGNALED(status))
				sl_emit("error", "what=child task=%llu signal=%d msg=task%%20%llu%%20killed%%20by%%20signal%%20%d",
					(unsigned long long)idx, WTERMSIG(status), (unsigned long long)idx, WTERMSIG(status));
			else
				sl_emit("error", "what=child task=%llu status=%d msg=task%%20%llu%%20exited%%20with%%20status%%20%d",
					(unsigned long long)idx, WEXITSTATUS(status), (unsigned long long)idx, WEXITSTATUS(status));
			return WIFEXITED(status) && WEXITSTATUS(status) == 5 ? 5 : 6;
		}
		uint64_t done = 0;
		for (uint64_t i = 0; i < p.tasks; i++)
			done += __atomic_load_n(&touched[i], __ATOMIC_RELAXED);
		sl_emit("progress", "fraction=%.4f", total ? (double)done / (double)total : 1.0);
	}
	uint64_t wall = sl_now_ns() - t0;

	double sum = 0;
	uint64_t free_sum = 0, free_max = 0, verified = 0;
	for (uint64_t i = 0; i < p.tasks; i++) {
		uint64_t elapsed = touched[p.tasks + 3 * i], free_ns = touched[p.tasks + 3 * i + 1];
		sum += (double)(pages * p.passes * SL_PAGE) * 1e9 / (double)(elapsed ? elapsed : 1);
		free_sum += free_ns;
		if (free_ns > free_max)
			free_max = free_ns;
		verified += touched[p.tasks + 3 * i + 2];
	}
	char usage_buf[256];
	sl_emit("progress", "fraction=1");
	sl_emit("result",
		"tasks=%llu throughput_bytes_per_s=%.0f throughput_bytes_per_s_per_task=%.0f free_ns_mean=%llu free_ns_max=%llu "
		"verified_pages=%llu wall_ns=%llu %s",
		(unsigned long long)p.tasks, sum, sum / (double)p.tasks, (unsigned long long)(free_sum / p.tasks),
		(unsigned long long)free_max, (unsigned long long)verified, (unsigned long long)wall,
		sl_usage_fields(usage_buf, sizeof(usage_buf)));
	return 0;
}
