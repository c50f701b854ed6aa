// SPDX-License-Identifier: GPL-2.0
/*
 * zcopyctl: SHA-256 through OpenSSL's EVP interface, or nothing when the
 * tool was built without libcrypto (ZCOPYCTL_HAVE_LIBCRYPTO in config.h).
 */
#include <errno.h>
#include <stdio.h>

#include "config.h"
#include "sha256.h"

#if ZCOPYCTL_HAVE_LIBCRYPTO
#include <openssl/evp.h>

bool sha256_available(void)
{
	return true;
}

struct sha256 *sha256_new(void)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	if (md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(md);
		md = NULL;
	}
	return (struct sha256 *)md;
}

int sha256_update(struct sha256 *h, const void *data, size_t len)
{
	return EVP_DigestUpdate((EVP_MD_CTX *)h, data, len) == 1 ? 0 : -EIO;
}

int sha256_final(struct sha256 *h, char *hex)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int i, n = 0;

	if (EVP_DigestFinal_ex((EVP_MD_CTX *)h, digest, &n) != 1 || n != 32)
		return -EIO;
	for (i = 0; i < n; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	return 0;
}

void sha256_free(struct sha256 *h)
{
	EVP_MD_CTX_free((EVP_MD_CTX *)h);
}

#else /* !ZCOPYCTL_HAVE_LIBCRYPTO */

bool sha256_available(void)
{
	return false;
}

struct sha256 *sha256_new(void)
{
	return NULL;
}

int sha256_update(struct sha256 *h, const void *data, size_t len)
{
	(void)h;
	(void)data;
	(void)len;
	return -EIO;
}

int sha256_final(struct sha256 *h, char *hex)
{
	(void)h;
	(void)hex;
	return -EIO;
}

void sha256_free(struct sha256 *h)
{
	(void)h;
}

#endif /* ZCOPYCTL_HAVE_LIBCRYPTO */
