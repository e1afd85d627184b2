/*
 * The /init of the lab's initramfs for kernel runs in QEMU (../vm.ts builds the archive).
 * No shell, no busybox: it mounts /proc, /sys, /dev and the memory cgroup, loads the modules
 * the image needs (finit_module, in the order /swaplab.conf lists them: dependencies first),
 * waits for the virtio disk and swaps on it, creates the memory cgroup with the run's limit,
 * sets the THP / mTHP knobs and sysctls, dumps /proc/vmstat and the per-size mTHP stats, runs
 * the workload program in the cgroup, dumps the counters again and powers the VM off.
 *
 * Everything machine-readable goes out as `SWAPLAB <event> key=value ...` lines (README.md)
 * on the data channel: the second serial port (/dev/ttyS1), or the console when there is
 * none. The workload's stdout is the same channel; stderr and the kernel log go to ttyS0.
 *
 * /swaplab.conf, one directive per line (words separated by one space):
 *   data PATH                where SWAPLAB lines go (default /dev/ttyS1, else /dev/console)
 *   module PATH              load this module (.ko, uncompressed)
 *   swap DEV PRIO DISCARD ROT  swapon DEV with priority PRIO (0..32767), DISCARD 0/1; ROT 0/1 is
 *                            written to /sys/block/<dev>/queue/rotational first (QEMU's
 *                            virtio disks say rotational, and swap allocates mTHP and uses
 *                            its cluster allocator only on non-rotational devices)
 *   memcg LIMIT              the workload cgroup's memory limit in bytes
 *   write PATH VALUE         write VALUE to a /proc or /sys file (a missing file is reported)
 *   mthp ORDER VALUE         hugepages-<4<<ORDER>kB/enabled (ORDER 1..9), where the kernel has it
 *   arg WORD                 the workload's argv, in order (argv[0] is the program path);
 *                            @CGROUP_PROCS@ is replaced by the cgroup's cgroup.procs path
 *   sample MS                while the workload runs, print a `sample` line every MS ms (0: none)
 *   symbols NAME...          report which of these names /proc/kallsyms holds (a probe of
 *                            which swap design the kernel has, releases.ts)
 * Without swap, memcg or arg lines those steps are skipped (a probe boot).
 *
 * Events: boot, module, swapon (with the device's queue/rotational as swapon saw it), cgroup, knob, workload_start, workload_exit, error
 * (what=init-<stage> / oom), done; and dumps (dump-begin/dump-end, protocol.ts) of
 * /proc/vmstat, the mTHP stats and the cgroup's memory.stat and memory.events (v1:
 * memory.oom_control) named <file>-before and <file>-after. Then reboot(RB_POWER_OFF); the lab's QEMU
 * runs with -no-reboot, so the VM ends either way, also if /init itself fails.
 */
#include "swaplab.h"

#include <dirent.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <termios.h>

#ifndef SWAP_FLAG_PREFER
#define SWAP_FLAG_PREFER 0x8000
#endif
#ifndef SWAP_FLAG_DISCARD
#define SWAP_FLAG_DISCARD 0x10000
#endif

#define MAX_ARGS 64
#define MAX_LINES 256
#define MTHP_DIR "/sys/kernel/mm/transparent_hugepage"

static char conf[16384];
static char *lines[MAX_LINES];
static int nlines;
static char cg_dir[256];	/* the workload cgroup's folder */
static char cg_procs[300];	/* its cgroup.procs */
static int cg_version;		/* 1 or 2 */

static void power_off(void)
{
	/* The serial ports' transmit buffers are lost at power-off: wait until they are sent. */
	tcdrain(1);
	tcdrain(2);
	sync();
	reboot(RB_POWER_OFF);
	/* Not reached; if it were, exiting makes the kernel panic and panic=-1 ends the VM. */
	for (;;)
		pause();
}

/* `SWAPLAB error what=init-<stage> msg=...`, then power off: the host reads the cause from the line. */
__attribute__((noreturn, format(printf, 2, 3))) static void die(const char *stage, const char *fmt, ...)
{
	char msg[1024], enc[3072];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_emit("error", "what=init-%s msg=%s", stage, sl_text(msg, enc, sizeof(enc)));
	power_off();
	exit(1);
}

static void mkdir_p(const char *p)
{
	if (mkdir(p, 0755) && errno != EEXIST)
		die("mount", "mkdir %s: %s", p, strerror(errno));
}

static void do_mount(const char *src, const char *target, const char *type, const char *opts)
{
	mkdir_p(target);
	if (mount(src, target, type, 0, opts) && errno != EBUSY)
		die("mount", "mount -t %s %s: %s", type, target, strerror(errno));
}

/* The data channel: the second serial port in raw mode, else the console. */
static void open_data(const char *path)
{
	int fd = open(path ? path : "/dev/ttyS1", O_WRONLY | O_NOCTTY);
	if (fd >= 0) {
		struct termios t;
		if (tcgetattr(fd, &t) == 0) {
			cfmakeraw(&t);
			tcsetattr(fd, TCSANOW, &t);
		}
	} else {
		fd = open("/dev/console", O_WRONLY | O_NOCTTY);
	}
	if (fd >= 0 && fd != 1) {
		dup2(fd, 1);
		close(fd);
	}
}

static void console_stdio(void)
{
	int fd = open("/dev/console", O_RDWR | O_NOCTTY);
	if (fd < 0)
		return;
	dup2(fd, 0);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
}

static void read_conf(void)
{
	if (sl_read_file("/swaplab.conf", conf, sizeof(conf)) < 0)
		die("config", "cannot read /swaplab.conf: %s", strerror(errno));
	for (char *p = conf; *p && nlines < MAX_LINES;) {
		char *nl = strchr(p, '\n');
		if (nl)
			*nl = 0;
		if (*p && *p != '#')
			lines[nlines++] = p;
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* The directive's argument text (after "word "), or NULL when the line is another directive. */
static const char *directive(int i, const char *word)
{
	size_t n = strlen(word);
	return !strncmp(lines[i], word, n) && lines[i][n] == ' ' ? lines[i] + n + 1 : NULL;
}

static void load_modules(void)
{
	for (int i = 0; i < nlines; i++) {
		const char *path = directive(i, "module");
		if (!path)
			continue;
		const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			die("module", "open %s: %s", path, strerror(errno));
		long r = syscall(SYS_finit_module, fd, "", 0);
		int err = errno;
		close(fd);
		if (r != 0 && err != EEXIST)
			die("module", "loading %s failed: %s (see the kernel log above)", base, strerror(err));
		sl_emit("module", "name=%s status=%s", base, r == 0 ? "loaded" : "present");
	}
}

static void wait_for(const char *dev, int ms)
{
	struct stat st;
	for (int t = 0; t < ms; t += 50) {
		if (stat(dev, &st) == 0 && S_ISBLK(st.st_mode))
			return;
		usleep(50000);
	}
	die("swapon", "%s did not appear within %d s: the kernel has no virtio block driver (CONFIG_VIRTIO_BLK, CONFIG_VIRTIO_PCI) built in or loaded", dev,
	    ms / 1000);
}

static void knob(const char *path, const char *value)
{
	char cur[256], enc1[768], enc2[768];
	if (access(path, F_OK)) {
		sl_emit("knob", "path=%s status=missing", sl_text(path, enc1, sizeof(enc1)));
		return;
	}
	if (sl_write_file(path, value))
		die("knob", "writing %s to %s: %s", value, path, strerror(errno));
	sl_read_file(path, cur, sizeof(cur));
	cur[strcspn(cur, "\n")] = 0;
	sl_emit("knob", "path=%s status=set value=%s", sl_text(path, enc1, sizeof(enc1)), sl_text(cur, enc2, sizeof(enc2)));
}

static void swap_on(void)
{
	for (int i = 0; i < nlines; i++) {
		const char *a = directive(i, "swap");
		if (!a)
			continue;
		char dev[128], path[300];
		int prio = 0, discard = 0, rot = -1;
		if (sscanf(a, "%127s %d %d %d", dev, &prio, &discard, &rot) < 1)
			die("config", "bad swap line: %s", a);
		wait_for(dev, 30000);
		if (rot == 0 || rot == 1) {
			snprintf(path, sizeof(path), "/sys/block/%s/queue/rotational", strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);
			knob(path, rot ? "1" : "0");
		}
		/* What swapon will see: a rotational device gets no SWP_SOLIDSTATE (mm/swapfile.c). */
		char seen[16] = "";
		snprintf(path, sizeof(path), "/sys/block/%s/queue/rotational", strrchr(dev, '/') ? strrchr(dev, '/') + 1 : dev);
		if (sl_read_file(path, seen, sizeof(seen)) <= 0)
			strcpy(seen, "unknown");
		seen[strcspn(seen, "\n")] = 0;
		int flags = SWAP_FLAG_PREFER | (prio & 0x7fff) | (discard ? SWAP_FLAG_DISCARD : 0);
		if (swapon(dev, flags) != 0)
			die("swapon", "swapon %s: %s%s", dev, strerror(errno),
			    errno == ENOSYS ? " (the kernel has no swap: CONFIG_SWAP)" : errno == EINVAL ? " (no valid swap header on the device)" : "");
		sl_emit("swapon", "dev=%s prio=%d discard=%d rotational=%s", dev, prio, discard, seen);
	}
}

/* cgroup v2 where the kernel has the memory controller there, else v1's memory hierarchy. */
static void make_cgroup(void)
{
	const char *limit = NULL;
	for (int i = 0; i < nlines && !limit; i++)
		limit = directive(i, "memcg");
	if (!limit)
		return;
	char buf[512];
	mkdir_p("/sys/fs/cgroup");
	if (mount("none", "/sys/fs/cgroup", "cgroup2", 0, NULL) == 0 && sl_read_file("/sys/fs/cgroup/cgroup.controllers", buf, sizeof(buf)) > 0 &&
	    strstr(buf, "memory")) {
		if (sl_write_file("/sys/fs/cgroup/cgroup.subtree_control", "+memory"))
			die("cgroup", "enabling the memory controller: %s", strerror(errno));
		snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/swaplab");
		mkdir_p(cg_dir);
		snprintf(buf, sizeof(buf), "%s/memory.max", cg_dir);
		if (sl_write_file(buf, limit))
			die("cgroup", "writing %s to %s: %s", limit, buf, strerror(errno));
		cg_version = 2;
	} else {
		umount("/sys/fs/cgroup");
		if (mount("none", "/sys/fs/cgroup", "tmpfs", 0, "mode=755"))
			die("cgroup", "mount tmpfs on /sys/fs/cgroup: %s", strerror(errno));
		mkdir_p("/sys/fs/cgroup/memory");
		if (mount("none", "/sys/fs/cgroup/memory", "cgroup", 0, "memory"))
			die("cgroup", "the kernel has no memory cgroup (CONFIG_MEMCG): %s", strerror(errno));
		snprintf(cg_dir, sizeof(cg_dir), "/sys/fs/cgroup/memory/swaplab");
		mkdir_p(cg_dir);
		snprintf(buf, sizeof(buf), "%s/memory.limit_in_bytes", cg_dir);
		if (sl_write_file(buf, limit))
			die("cgroup", "writing %s to %s: %s", limit, buf, strerror(errno));
		cg_version = 1;
	}
	snprintf(cg_procs, sizeof(cg_procs), "%s/cgroup.procs", cg_dir);
	sl_emit("cgroup", "version=%d path=%s limit=%s", cg_version, cg_dir, limit);
}

static void set_knobs(void)
{
	for (int i = 0; i < nlines; i++) {
		const char *a;
		char path[256], value[128];
		if ((a = directive(i, "write"))) {
			if (sscanf(a, "%255s %127s", path, value) != 2)
				die("config", "bad write line: %s", a);
			knob(path, value);
		} else if ((a = directive(i, "mthp"))) {
			int order;
			if (sscanf(a, "%d %127s", &order, value) != 2 || order < 1 || order > 20)
				die("config", "bad mthp line: %s", a);
			snprintf(path, sizeof(path), MTHP_DIR "/hugepages-%lukB/enabled", (SL_PAGE >> 10) << order);
			knob(path, value);
		}
	}
}

/*
 * A counter file as a dump (protocol.ts): `SWAPLAB dump-begin name=N`, the file's text as
 * is, `SWAPLAB dump-end name=N`. Nothing else writes to the channel meanwhile.
 */
static void dump_file(const char *file, const char *name, const char *phase)
{
	static char buf[65536];
	ssize_t n = sl_read_file(file, buf, sizeof(buf));
	if (n < 0)
		return;
	sl_emit("dump-begin", "name=%s-%s", name, phase);
	if (n > 0 && buf[n - 1] != '\n')
		buf[n++] = '\n';
	sl_write_all(1, buf, (size_t)n);
	sl_emit("dump-end", "name=%s-%s", name, phase);
}

/* The per-size mTHP stats as `hugepages-<N>kB/stats/<stat>:<value>` lines (procfs.ts parseMthpDump). */
static void dump_mthp(const char *phase)
{
	static char out[65536];
	size_t n = 0;
	DIR *d = opendir(MTHP_DIR);
	struct dirent *e;
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "hugepages-", 10))
			continue;
		char dir[512], path[800], val[64];
		snprintf(dir, sizeof(dir), MTHP_DIR "/%s/stats", e->d_name);
		DIR *s = opendir(dir);
		struct dirent *f;
		if (!s)
			continue;
		while ((f = readdir(s)) && n < sizeof(out) - 200) {
			if (f->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, f->d_name);
			if (sl_read_file(path, val, sizeof(val)) > 0)
				n += (size_t)snprintf(out + n, sizeof(out) - n, "%s/stats/%s:%llu\n", e->d_name, f->d_name, strtoull(val, NULL, 10));
		}
		closedir(s);
	}
	closedir(d);
	sl_emit("dump-begin", "name=mthp-%s", phase);
	sl_write_all(1, out, n);
	sl_emit("dump-end", "name=mthp-%s", phase);
}

static void dump_counters(const char *phase)
{
	char path[400];
	dump_file("/proc/vmstat", "vmstat", phase);
	dump_mthp(phase);
	snprintf(path, sizeof(path), "%s/memory.stat", cg_dir);
	dump_file(path, "memory.stat", phase);
	snprintf(path, sizeof(path), "%s/%s", cg_dir, cg_version == 2 ? "memory.events" : "memory.oom_control");
	dump_file(path, "memory.events", phase);
}

/* The cgroup's OOM kill count (memory.events oom_kill, or v1 memory.oom_control oom_kill). */
static unsigned long long oom_kills(void)
{
	char path[400], buf[4096];
	snprintf(path, sizeof(path), "%s/%s", cg_dir, cg_version == 2 ? "memory.events" : "memory.oom_control");
	if (sl_read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	char *p = strstr(buf, "oom_kill ");
	return p ? strtoull(p + 9, NULL, 10) : 0;
}

/* `symbols a b c` -> `SWAPLAB symbols present=a,c absent=b` from /proc/kallsyms. */
static void probe_symbols(void)
{
	for (int i = 0; i < nlines; i++) {
		const char *a = directive(i, "symbols");
		if (!a)
			continue;
		char want[2048], present[2048] = "", absent[2048] = "";
		snprintf(want, sizeof(want), " %s ", a);
		char *found = calloc(1, strlen(want) + 1);
		FILE *f = fopen("/proc/kallsyms", "r");
		if (!f || !found)
			die("symbols", "cannot read /proc/kallsyms: %s", strerror(errno));
		char line[512], name[256], key[260];
		while (fgets(line, sizeof(line), f)) {
			/* "ffffffff81000000 T name [module]" */
			if (sscanf(line, "%*s %*s %255s", name) != 1)
				continue;
			snprintf(key, sizeof(key), " %s ", name);
			char *at = strstr(want, key);
			if (at)
				found[at - want] = 1;
		}
		fclose(f);
		for (char *p = want + 1; *p;) {
			char *sp = strchr(p, ' ');
			if (!sp)
				break;
			*sp = 0;
			if (*p) {
				char *dst = found[p - 1 - want] ? present : absent;
				if (*dst)
					strncat(dst, ",", sizeof(present) - strlen(dst) - 1);
				strncat(dst, p, sizeof(present) - strlen(dst) - 1);
			}
			p = sp + 1;
		}
		free(found);
		sl_emit("symbols", "present=%s absent=%s", present, absent);
	}
}

/* Sum of one stat over every hugepages-<size>kB/stats folder. */
static unsigned long long mthp_sum(const char *stat)
{
	unsigned long long sum = 0, v;
	DIR *d = opendir(MTHP_DIR);
	struct dirent *e;
	char path[600];
	if (!d)
		return 0;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "hugepages-", 10)) {
			snprintf(path, sizeof(path), MTHP_DIR "/%s/stats/%s", e->d_name, stat);
			if (sl_read_u64(path, (uint64_t *)&v) == 0)
				sum += v;
		}
	closedir(d);
	return sum;
}

/* Used swap in KiB over every area of /proc/swaps. */
static unsigned long long swap_used_kb(void)
{
	char buf[4096];
	unsigned long long used = 0, size, u;
	if (sl_read_file("/proc/swaps", buf, sizeof(buf)) <= 0)
		return 0;
	char *p = strchr(buf, '\n');
	while (p && *++p) {
		if (sscanf(p, "%*s %*s %llu %llu", &size, &u) == 2)
			used += u;
		p = strchr(p, '\n');
	}
	return used;
}

/* One `sample` line: the counters the lab charts over time, as the guest sees them now. */
static void emit_sample(uint64_t t0)
{
	uint64_t pswpout = 0, pswpin = 0, majflt = 0, cached = 0, thp_out = 0, thp_fb = 0, anon = 0;
	char path[400];
	sl_vmstat("pswpout", &pswpout);
	sl_vmstat("pswpin", &pswpin);
	sl_vmstat("pgmajfault", &majflt);
	sl_vmstat("nr_swapcached", &cached);
	sl_vmstat("thp_swpout", &thp_out);
	sl_vmstat("thp_swpout_fallback", &thp_fb);
	snprintf(path, sizeof(path), "%s/%s", cg_dir, cg_version == 2 ? "memory.current" : "memory.usage_in_bytes");
	sl_read_u64(path, &anon);
	unsigned long long mout = mthp_sum("swpout"), mfb = mthp_sum("swpout_fallback");
	sl_emit("sample", "t_ms=%llu pswpout=%llu pswpin=%llu pgmajfault=%llu nr_swapcached=%llu swap_used_kb=%llu memcg_bytes=%llu mthp_swpout=%llu mthp_swpout_fallback=%llu",
		(unsigned long long)((sl_now_ns() - t0) / 1000000), (unsigned long long)pswpout, (unsigned long long)pswpin, (unsigned long long)majflt,
		(unsigned long long)cached, swap_used_kb(), (unsigned long long)anon, mout ? mout : (unsigned long long)thp_out,
		mout ? mfb : (unsigned long long)thp_fb);
}

static int run_workload(void)
{
	static char words[MAX_ARGS][512];
	char *argv[MAX_ARGS + 1];
	int argc = 0;
	for (int i = 0; i < nlines && argc < MAX_ARGS; i++) {
		const char *a = directive(i, "arg");
		if (!a)
			continue;
		snprintf(words[argc], sizeof(words[argc]), "%s", strcmp(a, "@CGROUP_PROCS@") ? a : cg_procs);
		argv[argc] = words[argc];
		argc++;
	}
	argv[argc] = NULL;
	if (!argc)
		die("config", "a memcg line but no workload (arg lines) in /swaplab.conf");
	unsigned long long oom0 = oom_kills();
	uint64_t t0 = sl_now_ns();
	pid_t pid = fork();
	if (pid < 0)
		die("workload", "fork: %s", strerror(errno));
	if (pid == 0) {
		char self[32];
		snprintf(self, sizeof(self), "%d", (int)getpid());
		if (sl_write_file(cg_procs, self))
			sl_fail(3, "cgroup", "cannot move into %s: %s", cg_procs, strerror(errno));
		execv(argv[0], argv);
		sl_fail(127, "exec", "%s: %s", argv[0], strerror(errno));
	}
	sl_emit("workload_start", "pid=%d program=%s", (int)pid, argv[0]);
	int status, sample_ms = 0;
	for (int i = 0; i < nlines; i++)
		if (directive(i, "sample"))
			sample_ms = atoi(directive(i, "sample"));
	uint64_t next = t0;
	for (;;) {
		pid_t r = waitpid(pid, &status, sample_ms > 0 ? WNOHANG : 0);
		if (r == pid)
			break;
		if (r < 0 && errno != EINTR)
			die("workload", "waitpid: %s", strerror(errno));
		if (sample_ms > 0) {
			if (sl_now_ns() >= next) {
				emit_sample(t0);
				next += (uint64_t)sample_ms * 1000000ULL;
			}
			usleep(20000);
		}
	}
	if (sample_ms > 0)
		emit_sample(t0);
	uint64_t wall = sl_now_ns() - t0;
	unsigned long long oom = oom_kills() - oom0;
	/* Reap anything the workload left behind (its tasks are our children once it exits). */
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
	if (WIFSIGNALED(status))
		sl_emit("workload_exit", "signal=%d wall_ns=%llu oom_kill=%llu", WTERMSIG(status), (unsigned long long)wall, oom);
	else
		sl_emit("workload_exit", "status=%d wall_ns=%llu oom_kill=%llu", WEXITSTATUS(status), (unsigned long long)wall, oom);
	if (oom) {
		char enc[512];
		sl_emit("error", "what=oom oom_kill=%llu msg=%s", oom,
			sl_text("the guest kernel OOM-killed the workload in its memory cgroup (limit too small for what cannot be swapped, or swap full)", enc,
				sizeof(enc)));
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int main(void)
{
	struct utsname u;
	do_mount("proc", "/proc", "proc", NULL);
	do_mount("sysfs", "/sys", "sysfs", NULL);
	do_mount("devtmpfs", "/dev", "devtmpfs", NULL);
	console_stdio();
	read_conf();
	const char *data = NULL;
	for (int i = 0; i < nlines && !data; i++)
		data = directive(i, "data");
	open_data(data);
	uname(&u);
	sl_emit("boot", "release=%s machine=%s protocol=%d", u.release, u.machine, SWAPLAB_PROTOCOL);
	load_modules();
	probe_symbols();
	swap_on();
	make_cgroup();
	set_knobs();
	int rc = 0;
	if (cg_version) {
		dump_counters("before");
		rc = run_workload();
		dump_counters("after");
	}
	sl_emit("done", "status=%d", rc);
	power_off();
	return 0;
}
