// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl bench: median, minimum and maximum over a cell's runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

void bench_summarize(const double *values, unsigned int nr,
		     struct bench_summary *s)
{
	double sorted[BENCH_MAX_RUNS];
	unsigned int i;

	s->median = NAN;
	s->min = NAN;
	s->max = NAN;
	if (!nr || nr > BENCH_MAX_RUNS)
		return;
	/* A value missing from one run is unknown for the cell. */
	for (i = 0; i < nr; i++)
		if (!isfinite(values[i]))
			return;
	memcpy(sorted, values, nr * sizeof(*values));
	qsort(sorted, nr, sizeof(*sorted), cmp_double);
	s->min = sorted[0];
	s->max = sorted[nr - 1];
	s->median = nr % 2 ? sorted[nr / 2] :
		    (sorted[nr / 2 - 1] + sorted[nr / 2]) / 2;
}
