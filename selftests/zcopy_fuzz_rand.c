// SPDX-License-Identifier: GPL-2.0
/*
 * zcopy_fuzz: the random stream of a worker and the edge values drawn
 * from it. A worker's stream depends only on the seed and its index, so a
 * run can be replayed.
 */

#include "zcopy_fuzz.h"

/* ---- The random stream: splitmix64, one per worker. ---- */

uint64_t rng_state;

uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

uint32_t rnd(uint32_t n)
{
	return n ? rnd64() % n : 0;
}

/* True with probability pct percent. */
bool chance(unsigned int pct)
{
	return rnd(100) < pct;
}

static const uint64_t edge_u64[] = {
	0, 1, 2, PAGE - 1, PAGE, PAGE + 1, 65535, 65536, 1ULL << 20,
	(1ULL << 20) + 1, 1ULL << 31, (1ULL << 31) - 1, 1ULL << 32,
	(1ULL << 32) + 1, 1ULL << 63, (1ULL << 63) - 1, ~0ULL, ~0ULL - 1,
	~0ULL - PAGE + 1, 0x7fffffffffffffffULL - PAGE,
};

uint64_t edge_value(void)
{
	if (chance(20))
		return rnd64();
	return edge_u64[rnd(ARRAY_SIZE(edge_u64))];
}

static const int32_t edge_s32[] = {
	-1, 0, 1, 2, INT32_MAX, INT32_MIN, 1 << 30, 65535, 1024, -2,
};

/* A bad fd: an edge of int32_t. */
int32_t edge_value_s32(void)
{
	return edge_s32[rnd(ARRAY_SIZE(edge_s32))];
}
