/* SPDX-License-Identifier: GPL-2.0 */
/*
 * zcopyctl: SHA-256 of a stream (sink --sha256), from libcrypto when the
 * tool was built with it (config.h), else not available.
 */
#ifndef ZCOPYCTL_SHA256_H
#define ZCOPYCTL_SHA256_H

#include <stdbool.h>
#include <stddef.h>

#define SHA256_HEX_LEN	(2 * 32 + 1)

struct sha256;

/* False when built without libcrypto: sha256_new() then fails. */
bool sha256_available(void);

/* A new hash, or NULL (out of memory, or not available). */
struct sha256 *sha256_new(void);
/* 0, or -EIO. */
int sha256_update(struct sha256 *h, const void *data, size_t len);
/* The digest in lower-case hex into hex[SHA256_HEX_LEN]: 0 or -EIO. */
int sha256_final(struct sha256 *h, char *hex);
void sha256_free(struct sha256 *h);

#endif /* ZCOPYCTL_SHA256_H */
