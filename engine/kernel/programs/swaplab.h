/*
 * Shared helpers of the Swap Lab workload programs (usemem, thp_swap_allocator_test and the
 * VM's /init): the SWAPLAB output protocol (README.md), clocks, resource usage, a seeded
 * RNG, argument parsing, and small file helpers for /proc and /sys. Header-only so every
 * program is one translation unit built with `cc -static -O2 -Wall`.
 */
#ifndef SWAPLAB_H
#define SWAPLAB_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define SWAPLAB_PROTOCOL 1
#define SL_PAGE 4096UL
/* Every helper: a program may leave some unused without a warning. */
#define SL_FN static __attribute__((unused))

/* ---- output: one whole line per write(2), so lines of several processes never interleave ---- */

SL_FN void sl_write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += w;
		n -= (size_t)w;
	}
}

/* Prints `SWAPLAB <event> <fmt...>\n` to stdout in one write. fmt holds `key=value` pairs. */
__attribute__((format(printf, 2, 3))) SL_FN void sl_emit(const char *event, const char *fmt, ...)
{
	char line[3072];
	int n = snprintf(line, sizeof(line), "SWAPLAB %s", event);
	if (fmt && *fmt && n < (int)sizeof(line) - 2) {
		va_list ap;
		line[n++] = ' ';
		va_start(ap, fmt);
		n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
		va_end(ap);
	}
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	sl_write_all(1, line, (size_t)n);
}

/* Percent-encodes a free-text value (space, %, =, and non-printables) for a key=value pair. */
SL_FN const char *sl_text(const char *s, char *buf, size_t size)
{
	size_t o = 0;
	for (; *s && o + 4 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c <= ' ' || c == '%' || c == '=' || c >= 0x7f) {
			snprintf(buf + o, size - o, "%%%02X", c);
			o += 3;
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = 0;
	return buf;
}

/* Prints `SWAPLAB error what=<what> [extra] msg=<text>` and exits with `code`. */
__attribute__((noreturn, format(printf, 3, 4))) SL_FN void sl_fail(int code, const char *what, const char *fmt, ...)
{
	char msg[1024], enc[3072];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	sl_emit("error", "what=%s msg=%s", what, sl_text(msg, enc, sizeof(enc)));
	exit(code);
}

/* ---- clocks and resource usage ---- */

SL_FN uint64_t sl_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

SL_FN uint64_t sl_tv_ns(struct timeval tv)
{
	return (uint64_t)tv.tv_sec * 1000000000ULL + (uint64_t)tv.tv_usec * 1000ULL;
}

/* User and system time, faults and peak RSS of this process plus its waited-for children. */
struct sl_usage {
	uint64_t utime_ns, stime_ns, majflt, minflt, maxrss_kb;
};

SL_FN struct sl_usage sl_usage_all(void)
{
	struct rusage self, kids;
	struct sl_usage u;
	getrusage(RUSAGE_SELF, &self);
	getrusage(RUSAGE_CHILDREN, &kids);
	u.utime_ns = sl_tv_ns(self.ru_utime) + sl_tv_ns(kids.ru_utime);
	u.stime_ns = sl_tv_ns(self.ru_stime) + sl_tv_ns(kids.ru_stime);
	u.majflt = (uint64_t)self.ru_majflt + (uint64_t)kids.ru_majflt;
	u.minflt = (uint64_t)self.ru_minflt + (uint64_t)kids.ru_minflt;
	u.maxrss_kb = (uint64_t)(self.ru_maxrss > kids.ru_maxrss ? self.ru_maxrss : kids.ru_maxrss);
	return u;
}

/* The `utime_ns=.. stime_ns=.. majflt=.. minflt=.. maxrss_kb=..` part of a result line. */
SL_FN const char *sl_usage_fields(char *buf, size_t size)
{
	struct sl_usage u = sl_usage_all();
	snprintf(buf, size, "utime_ns=%llu stime_ns=%llu majflt=%llu minflt=%llu maxrss_kb=%llu", (unsigned long long)u.utime_ns,
		 (unsigned long long)u.stime_ns, (unsigned long long)u.majflt, (unsigned long long)u.minflt,
		 (unsigned long long)u.maxrss_kb);
	return buf;
}

/* ---- seeded RNG: splitmix64 seeds xoshiro256** ---- */

struct sl_rng {
	uint64_t s[4];
};

SL_FN uint64_t sl_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

SL_FN void sl_rng_seed(struct sl_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1342543de82ef95ULL);
	for (int i = 0; i < 4; i++)
		r->s[i] = sl_splitmix(&x);
}

SL_FN inline uint64_t sl_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

SL_FN inline uint64_t sl_rng_next(struct sl_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = sl_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = sl_rotl(s[3], 45);
	return out;
}

/* Uniform in [0, n) (n > 0), without modulo bias worth speaking of for n < 2^40. */
SL_FN inline uint64_t sl_rng_below(struct sl_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)sl_rng_next(r) * n) >> 64);
}

/* Uniform double in [0, 1). */
SL_FN inline double sl_rng_unit(struct sl_rng *r)
{
	return (double)(sl_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* ---- arguments: `--key value` and `--flag`; numbers are decimal (k/m/g suffixes allowed) ---- */

SL_FN uint64_t sl_parse_u64(const char *key, const char *v)
{
	char *end;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v)
		sl_fail(2, "usage", "%s: %s is not a number", key, v);
	switch (*end) {
	case 'k': case 'K': x <<= 10; end++; break;
	case 'm': case 'M': x <<= 20; end++; break;
	case 'g': case 'G': x <<= 30; end++; break;
	}
	if (*end)
		sl_fail(2, "usage", "%s: %s is not a number", key, v);
	return x;
}

SL_FN double sl_parse_double(const char *key, const char *v)
{
	char *end;
	double x = strtod(v, &end);
	if (end == v || *end)
		sl_fail(2, "usage", "%s: %s is not a number", key, v);
	return x;
}

/*
 * A program's options as a table: sl_parse_args() parses argv against it and prints the usage
 * line from it, so the two cannot disagree. `dst` points at the field the value goes to: a
 * uint64_t (SL_U64), a double (SL_DOUBLE), a const char * (SL_STR), or an int set to 1 (SL_FLAG).
 */
enum sl_opt_kind { SL_U64, SL_DOUBLE, SL_STR, SL_FLAG };

struct sl_opt {
	const char *name; /* "--tasks", or "-a" */
	enum sl_opt_kind kind;
	void *dst;
	const char *meta; /* the value's name in the usage line: "N", "BYTES" */
};

/* The options every workload program takes: its seed, the lab's cgroup, the progress interval. */
#define SL_COMMON_OPTS(p)                                                  \
	{ "--seed", SL_U64, &(p).seed, "S" },                              \
	{ "--cgroup-procs", SL_STR, &(p).cgroup_procs, "FILE" },           \
	{ "--progress-ms", SL_U64, &(p).progress_ms, "MS" }

SL_FN void sl_usage(const char *program, const struct sl_opt *opts, size_t n)
{
	char line[1024];
	int len = snprintf(line, sizeof(line), "usage: %s", program);
	for (size_t i = 0; i < n && len < (int)sizeof(line); i++) {
		const char *meta = opts[i].kind == SL_FLAG ? "" : opts[i].meta;
		len += snprintf(line + len, sizeof(line) - (size_t)len, " [%s%s%s]", opts[i].name, *meta ? " " : "", meta);
	}
	fprintf(stderr, "%s\n", line);
}

/*
 * Parses argv into the fields of `opts`; an unknown word prints the usage line and fails with
 * `SWAPLAB error what=usage`, as does an option without its value or a value that is not a number.
 */
SL_FN void sl_parse_args(const char *program, int argc, char **argv, const struct sl_opt *opts, size_t n)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const struct sl_opt *o = NULL;
		for (size_t k = 0; k < n && !o; k++)
			if (!strcmp(a, opts[k].name))
				o = &opts[k];
		if (!o) {
			sl_usage(program, opts, n);
			sl_fail(2, "usage", "unknown argument %s", a);
		}
		if (o->kind == SL_FLAG) {
			*(int *)o->dst = 1;
			continue;
		}
		if (i + 1 >= argc)
			sl_fail(2, "usage", "%s needs a value", a);
		const char *v = argv[++i];
		if (o->kind == SL_U64)
			*(uint64_t *)o->dst = sl_parse_u64(a, v);
		else if (o->kind == SL_DOUBLE)
			*(double *)o->dst = sl_parse_double(a, v);
		else
			*(const char **)o->dst = v;
	}
}

#define SL_COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- files in /proc and /sys ---- */

/* Reads a small file into buf (NUL terminated); returns bytes read or -1. */
SL_FN ssize_t sl_read_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	size_t n = 0;
	while (n + 1 < size) {
		ssize_t r = read(fd, buf + n, size - 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = 0;
	return (ssize_t)n;
}

SL_FN int sl_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t w = write(fd, text, strlen(text));
	int saved = errno;
	close(fd);
	errno = saved;
	return w == (ssize_t)strlen(text) ? 0 : -1;
}

/* A file holding one unsigned number; returns 0 and sets *v, or -1. */
SL_FN int sl_read_u64(const char *path, uint64_t *v)
{
	char buf[64];
	if (sl_read_file(path, buf, sizeof(buf)) <= 0)
		return -1;
	char *end;
	*v = strtoull(buf, &end, 10);
	return end == buf ? -1 : 0;
}

/* One field of /proc/vmstat; returns 0 and sets *v, or -1 when the field is absent. */
SL_FN int sl_vmstat(const char *field, uint64_t *v)
{
	static char buf[16384];
	size_t len = strlen(field);
	if (sl_read_file("/proc/vmstat", buf, sizeof(buf)) <= 0)
		return -1;
	for (char *p = buf; *p;) {
		if (!strncmp(p, field, len) && p[len] == ' ') {
			*v = strtoull(p + len + 1, NULL, 10);
			return 0;
		}
		char *nl = strchr(p, '\n');
		if (!nl)
			break;
		p = nl + 1;
	}
	return -1;
}

/*
 * Moves this process into a cgroup by writing "0" (the writer itself) to its cgroup.procs,
 * for --cgroup-procs FILE: done first, before any allocation, so every page the workload
 * touches is charged to the lab's cgroup and forked children inherit it.
 */
SL_FN void sl_join_cgroup(const char *procs)
{
	char pid[32];
	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	if (sl_write_file(procs, pid) != 0)
		sl_fail(3, "cgroup", "cannot move into %s: %s", procs, strerror(errno));
}

#endif
