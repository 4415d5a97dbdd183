/* dtls_rawpk.c: a server that authenticates with a raw public key (RFC
 * 7250: server_certificate_type = RawPublicKey, the Certificate message
 * holding one SubjectPublicKeyInfo) instead of an X.509 chain, as
 * constrained devices under RFC 7925 Sec. 4.3 do. There is no chain to
 * verify: the key's fingerprint is what a client pins. */
#include "tls/tls_int.h"

#include <stdio.h>
#include <string.h>

#include <gnutls/crypto.h>

#include "util/banned.h"

static void describe_key(gnutls_pubkey_t key, struct tp_dtls *d)
{
    unsigned bits = 0;
    int algo = gnutls_pubkey_get_pk_algorithm(key, &bits);
    const char *name = algo > 0 ? gnutls_pk_get_name((gnutls_pk_algorithm_t)algo) : NULL;
    snprintf(d->rpk_type, sizeof d->rpk_type, "%s", name != NULL ? name : "unknown");
    d->rpk_bits = bits;
}

static void fingerprint(const gnutls_datum_t *spki, struct tp_dtls *d)
{
    uint8_t digest[32];
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, spki->data, spki->size, digest) < 0)
        return;
    for (size_t i = 0; i < sizeof digest; i++)
        snprintf(d->rpk_sha256 + 2 * i, 3, "%02x", digest[i]);
}

tp_status tls_dtls_raw_key(gnutls_session_t session, struct tp_report *report)
{
    struct tp_dtls *d = &report->dtls;
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
    if (peers == NULL || n == 0) {
        d->raw_public_key = report->handshake.completed ? TP_TRI_NO : TP_TRI_UNKNOWN;
        return TP_OK;
    }
    if (gnutls_certificate_type_get2(session, GNUTLS_CTYPE_SERVER) != GNUTLS_CRT_RAWPK) {
        d->raw_public_key = TP_TRI_NO;
        return TP_OK;
    }
    d->raw_public_key = TP_TRI_YES;
    fingerprint(&peers[0], d);
    gnutls_pubkey_t key = NULL;
    if (gnutls_pubkey_init(&key) < 0)
        return TP_E_NOMEM;
    if (gnutls_pubkey_import(key, &peers[0], GNUTLS_X509_FMT_DER) >= 0)
        describe_key(key, d);
    else
        snprintf(d->rpk_type, sizeof d->rpk_type, "unparsable");
    gnutls_pubkey_deinit(key);
    return TP_OK;
}
