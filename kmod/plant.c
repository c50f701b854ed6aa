// SPDX-License-Identifier: GPL-2.0
/*
 * The planted bugs (see plant.h). Each runs once, at module load.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/mutex.h>
#include <linux/slab.h>

#include "plant.h"

#if defined(ZCOPY_PLANT_UAF)
/* Out of line, so that the compiler cannot see the read follows kfree. */
static noinline u8 zcopy_plant_read(const u8 *p)
{
	return READ_ONCE(*p);
}

void zcopy_plant_bugs(void)
{
	u8 *p = kmalloc(64, GFP_KERNEL);

	pr_warn("planted bug: use after free\n");
	kfree(p);
	pr_info("read %u after free\n", zcopy_plant_read(p));
}
#elif defined(ZCOPY_PLANT_LOCKINV)
static DEFINE_MUTEX(zcopy_plant_a);
static DEFINE_MUTEX(zcopy_plant_b);

/* A then B, later B then A: never deadlocks here, but lockdep must say so. */
void zcopy_plant_bugs(void)
{
	pr_warn("planted bug: lock inversion\n");
	mutex_lock(&zcopy_plant_a);
	mutex_lock(&zcopy_plant_b);
	mutex_unlock(&zcopy_plant_b);
	mutex_unlock(&zcopy_plant_a);

	mutex_lock(&zcopy_plant_b);
	mutex_lock(&zcopy_plant_a);
	mutex_unlock(&zcopy_plant_a);
	mutex_unlock(&zcopy_plant_b);
}
#elif defined(ZCOPY_PLANT_LEAK)
void zcopy_plant_bugs(void)
{
	void *p = kmalloc(128, GFP_KERNEL);

	pr_warn("planted bug: leak of %p\n", p);
}
#else
#error "ZCOPY_PLANT must be uaf, lockinv or leak"
#endif
