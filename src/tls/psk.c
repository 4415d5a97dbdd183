/* psk.c: the TLS 1.3 PSK binder with GnuTLS's HMAC and HKDF (psk.h). */
#include "tls/psk.h"

#include <string.h>

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>

#include "util/banned.h"

/* RFC 8446 Sec. 7.1: HkdfLabel's label is "tls13 " + Label, at most 255
 * bytes; ours are short constants. */
#define LABEL_PREFIX "tls13 "
#define HKDF_LABEL_MAX (2 + 1 + 255 + 1 + 255)

size_t tls_psk_hash_len(enum tls_psk_hash hash)
{
    return hash == TLS_PSK_SHA384 ? 48u : 32u;
}

const char *tls_psk_hash_name(enum tls_psk_hash hash)
{
    return hash == TLS_PSK_SHA384 ? "sha384" : "sha256";
}

static gnutls_mac_algorithm_t mac_of(enum tls_psk_hash hash)
{
    return hash == TLS_PSK_SHA384 ? GNUTLS_MAC_SHA384 : GNUTLS_MAC_SHA256;
}

static gnutls_digest_algorithm_t digest_of(enum tls_psk_hash hash)
{
    return hash == TLS_PSK_SHA384 ? GNUTLS_DIG_SHA384 : GNUTLS_DIG_SHA256;
}

/* HKDF-Expand-Label(secret, label, context, out_len) (RFC 8446 Sec. 7.1):
 *     struct { uint16 length; opaque label<7..255>; opaque context<0..255>; } HkdfLabel; */
static int expand_label(enum tls_psk_hash hash, const uint8_t *secret, const char *label,
                        const uint8_t *context, size_t context_len, uint8_t *out,
                        size_t out_len)
{
    uint8_t info[HKDF_LABEL_MAX];
    size_t label_len = strlen(LABEL_PREFIX) + strlen(label);
    size_t n = 0;
    info[n++] = (uint8_t)(out_len >> 8);
    info[n++] = (uint8_t)out_len;
    info[n++] = (uint8_t)label_len;
    memcpy(info + n, LABEL_PREFIX, strlen(LABEL_PREFIX));
    n += strlen(LABEL_PREFIX);
    memcpy(info + n, label, strlen(label));
    n += strlen(label);
    info[n++] = (uint8_t)context_len;
    if (context_len > 0)
        memcpy(info + n, context, context_len);
    n += context_len;
    gnutls_datum_t key = {(unsigned char *)(uintptr_t)secret, (unsigned)tls_psk_hash_len(hash)};
    gnutls_datum_t inf = {info, (unsigned)n};
    return gnutls_hkdf_expand(mac_of(hash), &key, &inf, out, out_len);
}

tp_status tls_psk_binder(enum tls_psk_hash hash, enum tls_psk_origin origin,
                         const uint8_t *psk, size_t psk_len, const uint8_t *truncated,
                         size_t truncated_len, uint8_t *binder, tp_error *err)
{
    size_t hlen = tls_psk_hash_len(hash);
    uint8_t zeros[TLS_PSK_MAX_BINDER] = {0};
    uint8_t early[TLS_PSK_MAX_BINDER], empty_hash[TLS_PSK_MAX_BINDER];
    uint8_t binder_key[TLS_PSK_MAX_BINDER], finished_key[TLS_PSK_MAX_BINDER];
    uint8_t transcript[TLS_PSK_MAX_BINDER];
    int rc;
    if (psk == NULL || psk_len == 0)
        return tp_fail(err, TP_E_USAGE, "PSK binder: empty key");
    gnutls_datum_t ikm = {(unsigned char *)(uintptr_t)psk, (unsigned)psk_len};
    gnutls_datum_t salt = {zeros, (unsigned)hlen};
    /* Derive-Secret(early, label, "") = HKDF-Expand-Label(early, label,
     * Hash(""), Hash.length) (RFC 8446 Sec. 7.1). */
    if ((rc = gnutls_hkdf_extract(mac_of(hash), &ikm, &salt, early)) < 0 ||
        (rc = gnutls_hash_fast(digest_of(hash), "", 0, empty_hash)) < 0 ||
        (rc = expand_label(hash, early,
                           origin == TLS_PSK_RESUMPTION ? "res binder" : "ext binder",
                           empty_hash, hlen, binder_key, hlen)) < 0 ||
        (rc = expand_label(hash, binder_key, "finished", NULL, 0, finished_key, hlen)) < 0 ||
        (rc = gnutls_hash_fast(digest_of(hash), truncated, truncated_len, transcript)) < 0 ||
        (rc = gnutls_hmac_fast(mac_of(hash), finished_key, hlen, transcript, hlen, binder)) < 0)
        return tp_fail(err, TP_E_INTERNAL, "PSK binder (%s): %s", tls_psk_hash_name(hash),
                       gnutls_strerror(rc));
    return TP_OK;
}
