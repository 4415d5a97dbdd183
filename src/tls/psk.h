/* psk.h: the TLS 1.3 PSK binder (RFC 8446 Sec. 4.2.11.2), behind a plain-C
 * interface so that the raw probes of src/scan can offer an external PSK
 * without including GnuTLS (the computation itself is GnuTLS's HMAC/HKDF,
 * in psk.c). Pure: no I/O, no state; the same input gives the same binder.
 *
 *   early_secret = HKDF-Extract(salt = 0^Hash.length, IKM = PSK)
 *   binder_key   = Derive-Secret(early_secret, "ext binder" | "res binder", "")
 *   finished_key = HKDF-Expand-Label(binder_key, "finished", "", Hash.length)
 *   binder       = HMAC(finished_key, Transcript-Hash(truncated ClientHello))
 * where the truncated ClientHello is the handshake message (header
 * included) up to and including PreSharedKeyExtension.identities, and for
 * a first ClientHello Transcript-Hash(M) = Hash(M) (RFC 8446 Sec. 4.4.1). */
#ifndef TP_TLS_PSK_H
#define TP_TLS_PSK_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* The hash a PSK is bound to. An external PSK is SHA-256 unless the two
 * sides agreed otherwise (RFC 8446 Sec. 4.2.11); SHA-384 suites need one
 * bound to SHA-384. */
enum tls_psk_hash { TLS_PSK_SHA256 = 0, TLS_PSK_SHA384 };

/* RFC 8446 Sec. 7.1: external PSKs derive "ext binder", resumption PSKs
 * (tickets) "res binder", so that one cannot be passed off as the other. */
enum tls_psk_origin { TLS_PSK_EXTERNAL = 0, TLS_PSK_RESUMPTION };

#define TLS_PSK_MAX_BINDER 48u

/* Hash.length: 32 or 48. */
size_t tls_psk_hash_len(enum tls_psk_hash hash);
/* "sha256" or "sha384". */
const char *tls_psk_hash_name(enum tls_psk_hash hash);

/* The binder for psk[0..psk_len) over truncated[0..truncated_len) into
 * binder[0..tls_psk_hash_len(hash)). TP_E_INTERNAL if the library refuses
 * (e.g. a FIPS mode without the hash), TP_E_USAGE for an empty PSK. */
TP_MUST_CHECK tp_status tls_psk_binder(enum tls_psk_hash hash, enum tls_psk_origin origin,
                                       const uint8_t *psk, size_t psk_len,
                                       const uint8_t *truncated, size_t truncated_len,
                                       uint8_t *binder, tp_error *err);

#endif
