/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bugs planted on purpose to prove that the debug kernel catches them:
 * only in a module built with ZCOPY_PLANT=uaf|lockinv|leak (make
 * check-debug ZCOPY_PLANT=...). A normal build has none of it.
 */
#ifndef _ZCOPY_PLANT_H
#define _ZCOPY_PLANT_H

#ifdef ZCOPY_PLANT
void zcopy_plant_bugs(void);
#else
static inline void zcopy_plant_bugs(void)
{
}
#endif

#endif /* _ZCOPY_PLANT_H */
