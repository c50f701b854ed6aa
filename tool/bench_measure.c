// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: the system's clocks and counters around a run, the
 * wait for the socket to drain, and the page-cache state of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define DRAIN_POLL_NS		200000	/* between two SIOCOUTQ polls */
#define COLD_TRIES		20	/* fadvise, then mincore */
#define HOT_READ_CHUNK		(1024 * 1024)
#define OBSERVE_PARAM		"/sys/module/zcopy/parameters/observe"

static uint64_t clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void bench_sample_thread(struct bench_thread_sample *s)
{
	struct rusage ru;

	s->csw = 0;
	if (!getrusage(RUSAGE_THREAD, &ru))
		s->csw = (uint64_t)ru.ru_nvcsw + (uint64_t)ru.ru_nivcsw;
	/* The process: io_uring's io-wq workers are its threads too. */
	s->cpu_ns = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
	s->wall_ns = clock_ns(CLOCK_MONOTONIC);
}

/* user + nice + system + irq + softirq + steal of all CPUs, in ns. */
int64_t bench_system_busy_ns(void)
{
	unsigned long long v[8] = { 0 };
	static long tck;
	FILE *f;
	int n;

	if (!tck)
		tck = sysconf(_SC_CLK_TCK);
	f = fopen("/proc/stat", "re");
	if (!f)
		return -1;
	/* user nice system idle iowait irq softirq steal */
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
		   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
	fclose(f);
	if (n < 7 || tck <= 0)
		return -1;
	return (int64_t)((v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) *
			 (1000000000ULL / (unsigned long long)tck));
}

/* Block-layer reads this thread caused (TASK_IO_ACCOUNTING). */
int64_t bench_thread_read_bytes(void)
{
	unsigned long long v;
	char line[128];
	int64_t ret = -1;
	FILE *f;

	f = fopen("/proc/thread-self/io", "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "read_bytes: %llu", &v) == 1) {
			ret = (int64_t)v;
			break;
		}
	fclose(f);
	return ret;
}

/*
 * Unsent plus unacknowledged bytes (SIOCOUTQ on TCP) until none: every
 * method ends the same way, when the receiver has the bytes.
 */
int bench_drain(int sock_fd)
{
	const struct timespec pause = { .tv_nsec = DRAIN_POLL_NS };
	int outq;

	for (;;) {
		if (ioctl(sock_fd, SIOCOUTQ, &outq) < 0)
			return -errno;
		if (outq <= 0)
			return 0;
		nanosleep(&pause, NULL);
	}
}

static int64_t resident_pages(struct bench_cell *cell, size_t pages)
{
	int64_t resident = 0;
	size_t i;
	void *map;
	int err;

	/* An untouched mapping: mincore() sees the page cache as it is. */
	map = mmap(NULL, cell->size, PROT_READ, MAP_SHARED, cell->file_fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	if (mincore(map, cell->size, cell->mincore_vec) < 0) {
		err = -errno;
		munmap(map, cell->size);
		return err;
	}
	munmap(map, cell->size);
	for (i = 0; i < pages; i++)
		resident += cell->mincore_vec[i] & 1;
	return resident;
}

/*
 * Pages still referenced (by skbs the receiver has not read yet) or dirty
 * cannot be dropped at once: a few tries, a millisecond apart.
 */
int64_t bench_make_cold(struct bench_cell *cell)
{
	const struct timespec pause = { .tv_nsec = 1000000 };
	long page = sysconf(_SC_PAGESIZE);
	int64_t resident = 0;
	size_t pages;
	int i, err;

	if (!cell->size)
		return 0;
	pages = (cell->size + (uint64_t)page - 1) / (uint64_t)page;
	if (!cell->mincore_vec) {
		cell->mincore_vec = malloc(pages);
		if (!cell->mincore_vec)
			return -ENOMEM;
		/* dirty pages would stay: write them once */
		fdatasync(cell->file_fd);
	}
	for (i = 0; i < COLD_TRIES; i++) {
		if (i)
			nanosleep(&pause, NULL);
		err = posix_fadvise(cell->file_fd, 0, 0, POSIX_FADV_DONTNEED);
		if (err)
			return -err;
		resident = resident_pages(cell, pages);
		if (resident <= 0)
			break;
	}
	return resident;
}

int bench_make_hot(int fd, uint64_t size)
{
	uint64_t off = 0;
	ssize_t n;
	char *buf;

	buf = malloc(HOT_READ_CHUNK);
	if (!buf)
		return -ENOMEM;
	while (off < size) {
		n = pread(fd, buf, HOT_READ_CHUNK, (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (uint64_t)n;
	}
	free(buf);
	return off == size ? 0 : -EIO;
}

int bench_observer_param(void)
{
	char c = 0;
	int fd, n;

	fd = open(OBSERVE_PARAM, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = (int)read(fd, &c, 1);
	close(fd);
	if (n != 1)
		return -EIO;
	/* bool parameters read as Y/N, integers as digits */
	return c == 'Y' || c == 'y' || (c >= '1' && c <= '9');
}

int bench_set_observer_param(int value)
{
	int fd, err = 0;

	fd = open(OBSERVE_PARAM, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, value ? "1" : "0", 1) != 1)
		err = -errno;
	close(fd);
	return err;
}
