/* psk_session.c: the report's handshake with a pre-shared key
 * (--psk-identity/--psk-key): the client credentials, the key exchanges
 * added to the offer, and what the server made of them.
 *
 * TLS <= 1.2 (RFC 4279, RFC 5489): the PSK suites are ordinary cipher
 * suites, so the offer gains the PSK key exchanges. TLS 1.3 (RFC 8446 Sec.
 * 2.2, 4.2.9, 4.2.11): GnuTLS offers the key as an external PSK (binder
 * over SHA-256, the default of RFC 8446 Sec. 4.2.11; GnuTLS 3.7 has no
 * other) with psk_dhe_ke when (EC)DHE-PSK is in the priority and psk_ke
 * when PSK is. */
#include "tls/tls_int.h"

#include <string.h>

#include "util/banned.h"

bool tls_psk_configured(const struct tp_config *cfg)
{
    return cfg->psk_identity != NULL && cfg->psk_key != NULL && cfg->psk_key_len > 0;
}

const char *tls_psk_priority_suffix(const struct tp_config *cfg)
{
    /* (EC)DHE first: where a server allows both, the forward-secret
     * exchange is the one worth reporting (RFC 9325 Sec. 4.1). No RSA-PSK:
     * with it GnuTLS 3.7's TLS 1.3 hello loses the PSK (its own gnutls-cli
     * crashes on that priority), and --enum finds RSA_PSK suites anyway. */
    return tls_psk_configured(cfg) ? ":+ECDHE-PSK:+DHE-PSK:+PSK" : "";
}

tp_status tls_psk_credentials(const struct tp_config *cfg, gnutls_psk_client_credentials_t *out,
                              tp_error *err)
{
    *out = NULL;
    if (!tls_psk_configured(cfg))
        return TP_OK;
    gnutls_psk_client_credentials_t cred = NULL;
    if (gnutls_psk_allocate_client_credentials(&cred) < 0)
        return tp_fail(err, TP_E_NOMEM, "cannot allocate PSK credentials");
    gnutls_datum_t user = {(unsigned char *)(uintptr_t)cfg->psk_identity,
                           (unsigned)strlen(cfg->psk_identity)};
    gnutls_datum_t key = {cfg->psk_key, (unsigned)cfg->psk_key_len};
    int rc = gnutls_psk_set_client_credentials2(cred, &user, &key, GNUTLS_PSK_KEY_RAW);
    if (rc < 0) {
        gnutls_psk_free_client_credentials(cred);
        return tp_fail(err, rc == GNUTLS_E_MEMORY_ERROR ? TP_E_NOMEM : TP_E_USAGE,
                       "--psk-identity/--psk-key: %s", gnutls_strerror(rc));
    }
    *out = cred;
    return TP_OK;
}

/* The kx the registry's cipher-suite table names (its "kx" column). */
static const char *psk_kx_name(gnutls_kx_algorithm_t kx)
{
    switch (kx) {
    case GNUTLS_KX_PSK:
        return "PSK";
    case GNUTLS_KX_DHE_PSK:
        return "DHE_PSK";
    case GNUTLS_KX_ECDHE_PSK:
        return "ECDHE_PSK";
    case GNUTLS_KX_RSA_PSK:
        return "RSA_PSK";
    default:
        return NULL;
    }
}

tp_status tls_psk_facts(gnutls_session_t session, const struct tp_config *cfg,
                        struct tp_handshake *hs)
{
    struct tp_psk *p = &hs->psk;
    if (!tls_psk_configured(cfg))
        return TP_OK;
    p->offered = true;
    TP_TRY(tp_set_str(&p->identity, cfg->psk_identity));
    /* The hint is in ServerKeyExchange (RFC 4279 Sec. 2), which a failed
     * handshake may have delivered already. */
    const char *hint = gnutls_psk_client_get_hint(session);
    if (hint != NULL && hint[0] != '\0')
        TP_TRY(tp_set_str(&p->hint, hint));
    if (!hs->completed)
        return TP_OK;
    bool used = gnutls_auth_get_type(session) == GNUTLS_CRD_PSK;
    p->used = used ? TP_TRI_YES : TP_TRI_NO;
    if (!used)
        return TP_OK;
    gnutls_kx_algorithm_t kx = gnutls_kx_get(session);
    TP_TRY(tp_set_str(&p->key_exchange, psk_kx_name(kx)));
    /* RSA_PSK encrypts a premaster to the certificate key: no more
     * forward-secret than static RSA (RFC 4279 Sec. 4). */
    p->forward_secrecy =
        kx == GNUTLS_KX_DHE_PSK || kx == GNUTLS_KX_ECDHE_PSK ? TP_TRI_YES : TP_TRI_NO;
    return TP_OK;
}
