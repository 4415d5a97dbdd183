/* facts.c: what a completed handshake negotiated, in registry terms.
 *
 * GnuTLS names things its own way ("SECP256R1", "RSA-PSS-RSAE-SHA256",
 * "TLS_ECDHE_RSA_AES_128_GCM_SHA256"); the report speaks IANA, so every
 * name goes through the registry generated from the CSV tables in src/data and falls
 * back to GnuTLS's name only when the registry has no entry. */
#include "tls/tls_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/ocsp.h>

#include "wire/registry.h"
#include "util/banned.h"

uint16_t tls_facts_version(gnutls_session_t session)
{
    switch (gnutls_protocol_get_version(session)) {
    case GNUTLS_SSL3:
        return TP_VER_SSL3;
    case GNUTLS_TLS1_0:
        return TP_VER_TLS10;
    case GNUTLS_TLS1_1:
        return TP_VER_TLS11;
    case GNUTLS_TLS1_2:
        return TP_VER_TLS12;
    case GNUTLS_TLS1_3:
        return TP_VER_TLS13;
    case GNUTLS_DTLS1_0:
        return TP_VER_DTLS10;
    case GNUTLS_DTLS1_2:
        return TP_VER_DTLS12;
    default:
        return 0;
    }
}

/* The suite's code point: GnuTLS does not return it directly, so find the
 * entry of its suite table with the session's algorithms. A TLS 1.3 suite
 * names only the AEAD and hash (RFC 8446 Sec. B.4), so kx is not compared. */
static const char *find_suite(gnutls_session_t session, bool tls13, uint16_t *code)
{
    gnutls_kx_algorithm_t kx = gnutls_kx_get(session);
    gnutls_cipher_algorithm_t cipher = gnutls_cipher_get(session);
    gnutls_mac_algorithm_t mac = gnutls_mac_get(session);
    for (size_t i = 0;; i++) {
        unsigned char id[2];
        gnutls_kx_algorithm_t k;
        gnutls_cipher_algorithm_t c;
        gnutls_mac_algorithm_t m;
        gnutls_protocol_t min_version;
        const char *name = gnutls_cipher_suite_info(i, id, &k, &c, &m, &min_version);
        if (name == NULL)
            return NULL;
        if (c != cipher || m != mac || (min_version == GNUTLS_TLS1_3) != tls13)
            continue;
        if (!tls13 && k != kx)
            continue;
        *code = (uint16_t)(id[0] << 8 | id[1]);
        return name;
    }
}

static tp_status fill_suite(gnutls_session_t session, struct tp_handshake *hs)
{
    uint16_t code = 0;
    const char *gnutls_name = find_suite(session, hs->version == TP_VER_TLS13, &code);
    if (gnutls_name == NULL)
        return TP_OK;
    hs->cipher_code = code;
    const struct tp_suite_info *info = tp_suite_by_code(code);
    const char *iana = info != NULL ? tp_suite_name(info) : NULL;
    return tp_set_str(&hs->cipher_name, iana != NULL ? iana : gnutls_name);
}

tp_status tls_facts_suite_code(uint16_t code, struct tp_handshake *hs)
{
    const struct tp_suite_info *info = tp_suite_by_code(code);
    const char *iana = info != NULL ? tp_suite_name(info) : NULL;
    hs->cipher_code = code;
    if (iana != NULL)
        return tp_set_str(&hs->cipher_name, iana);
    return tp_set_strf(&hs->cipher_name, "0x%04x", code);
}

tp_status tls_set_lower(char **slot, const char *name)
{
    TP_TRY(tp_set_str(slot, name));
    for (char *p = *slot; p != NULL && *p != '\0'; p++)
        *p = (char)tolower((unsigned char)*p);
    return TP_OK;
}

/* "FFDHE2048" -> 2048 (RFC 7919 Sec. A names the size). */
static unsigned ffdhe_bits(const char *name)
{
    if (strncasecmp(name, "FFDHE", 5) != 0)
        return 0;
    char *end = NULL;
    unsigned long bits = strtoul(name + 5, &end, 10);
    return end != name + 5 && *end == '\0' && bits <= 65536 ? (unsigned)bits : 0;
}

static bool is_dhe(gnutls_kx_algorithm_t kx)
{
    return kx == GNUTLS_KX_DHE_RSA || kx == GNUTLS_KX_DHE_DSS || kx == GNUTLS_KX_ANON_DH ||
           kx == GNUTLS_KX_DHE_PSK;
}

static tp_status fill_group(gnutls_session_t session, struct tp_handshake *hs)
{
    gnutls_group_t group = gnutls_group_get(session);
    const char *name = group != GNUTLS_GROUP_INVALID ? gnutls_group_get_name(group) : NULL;
    if (name == NULL) {
        /* TLS <= 1.2 DHE with server-chosen parameters (RFC 5246 Sec.
         * 7.4.3): no named group, only the prime's size. */
        if (is_dhe(gnutls_kx_get(session))) {
            int bits = gnutls_dh_get_prime_bits(session);
            hs->dh_bits = bits > 0 ? (unsigned)bits : 0;
        }
        return TP_OK;
    }
    const struct tp_group_info *info = tp_group_by_gnutls_name(name);
    if (info != NULL) {
        hs->group_code = info->code;
        TP_TRY(tp_set_str(&hs->group, info->iana_name));
    } else {
        TP_TRY(tls_set_lower(&hs->group, name));
    }
    unsigned bits = ffdhe_bits(name);
    if (bits != 0) {
        int prime = gnutls_dh_get_prime_bits(session);
        hs->dh_bits = prime > 0 ? (unsigned)prime : bits;
    }
    return TP_OK;
}

static tp_status fill_signature(gnutls_session_t session, struct tp_handshake *hs)
{
    int sign = gnutls_sign_algorithm_get(session);
    if (sign == GNUTLS_SIGN_UNKNOWN || sign < 0)
        return TP_OK; /* static RSA key exchange: the server signs nothing */
    const char *name = gnutls_sign_get_name((gnutls_sign_algorithm_t)sign);
    if (name == NULL)
        return TP_OK;
    const struct tp_sigscheme_info *info = tp_sigscheme_by_gnutls_name(name);
    if (info == NULL)
        return tp_set_str(&hs->sig_scheme, name);
    hs->sig_scheme_code = info->code;
    return tp_set_str(&hs->sig_scheme, info->name);
}

static tp_status fill_alpn(gnutls_session_t session, struct tp_handshake *hs)
{
    gnutls_datum_t proto = {NULL, 0}; /* points into the session */
    if (gnutls_alpn_get_selected_protocol(session, &proto) < 0 || proto.size == 0)
        return TP_OK;
    char *copy = strndup((const char *)proto.data, proto.size);
    if (copy == NULL)
        return TP_E_NOMEM;
    free(hs->alpn);
    hs->alpn = copy;
    return TP_OK;
}

static enum tp_tri tri(bool yes)
{
    return yes ? TP_TRI_YES : TP_TRI_NO;
}

static void fill_flags(gnutls_session_t session, struct tp_handshake *hs)
{
    unsigned flags = gnutls_session_get_flags(session);
    if (hs->version == TP_VER_TLS13) {
        /* TLS 1.3 has no session-ID resumption (legacy_session_id is only
         * echoed, RFC 8446 Sec. 4.1.3) and no renegotiation at all, so it
         * cannot be vulnerable to the attack RFC 5746 fixes: report yes,
         * meaning "not exposed". Its key schedule always binds the
         * transcript (RFC 8446 Sec. 7.1), which is what RFC 7627 adds to
         * TLS 1.2; and AEAD-only records leave nothing for RFC 7366 to do.
         * Tickets arrive after the handshake: session.c sets that. */
        hs->session_id = TP_TRI_NO;
        hs->secure_renegotiation = TP_TRI_YES;
        hs->extended_master_secret = TP_TRI_YES;
        hs->encrypt_then_mac = TP_TRI_NO;
        hs->session_ticket = tri(flags & GNUTLS_SFLAGS_SESSION_TICKET);
        return;
    }
    gnutls_datum_t id = {NULL, 0}; /* points into the session */
    hs->session_id = gnutls_session_get_id2(session, &id) >= 0 ? tri(id.size > 0)
                                                               : TP_TRI_UNKNOWN;
    hs->session_ticket = tri(flags & GNUTLS_SFLAGS_SESSION_TICKET);
    hs->secure_renegotiation = tri(gnutls_safe_renegotiation_status(session) != 0);
    hs->extended_master_secret = tri(flags & GNUTLS_SFLAGS_EXT_MASTER_SECRET);
    /* RFC 7366 applies to CBC only; with an AEAD suite it is moot: no. */
    hs->encrypt_then_mac = gnutls_mac_get(session) == GNUTLS_MAC_AEAD
                               ? TP_TRI_NO
                               : tri(flags & GNUTLS_SFLAGS_ETM);
}

tp_status tls_facts_fill(gnutls_session_t session, struct tp_handshake *hs)
{
    hs->version = tls_facts_version(session);
    TP_TRY(fill_suite(session, hs));
    TP_TRY(fill_group(session, hs));
    TP_TRY(fill_signature(session, hs));
    TP_TRY(fill_alpn(session, hs));
    fill_flags(session, hs);
    return TP_OK;
}

/* RFC 6960 Sec. 4.2.1: a response whose status is not "successful" carries
 * no certificate status; one for another certificate is no evidence. */
static const char *ocsp_verdict(const gnutls_datum_t *der, gnutls_x509_crt_t leaf,
                                gnutls_x509_crt_t issuer)
{
    gnutls_ocsp_resp_t resp = NULL;
    gnutls_datum_t issuer_name = {NULL, 0}, issuer_key = {NULL, 0}, serial = {NULL, 0};
    const char *verdict = "invalid";
    gnutls_digest_algorithm_t digest;
    unsigned cert_status = 0, reason = 0;
    time_t this_update, next_update, revoked_at;

    if (gnutls_ocsp_resp_init(&resp) < 0)
        return NULL;
    if (gnutls_ocsp_resp_import(resp, der) < 0 ||
        gnutls_ocsp_resp_get_status(resp) != GNUTLS_OCSP_RESP_SUCCESSFUL)
        goto out;
    unsigned verify = 0;
    if (leaf == NULL || issuer == NULL || gnutls_ocsp_resp_check_crt(resp, 0, leaf) < 0 ||
        gnutls_ocsp_resp_verify_direct(resp, issuer, &verify, 0) < 0 || verify != 0)
        goto out;
    if (gnutls_ocsp_resp_get_single(resp, 0, &digest, &issuer_name, &issuer_key, &serial,
                                    &cert_status, &this_update, &next_update, &revoked_at,
                                    &reason) < 0)
        goto out;
    switch (cert_status) {
    case GNUTLS_OCSP_CERT_GOOD:
        verdict = "good";
        break;
    case GNUTLS_OCSP_CERT_REVOKED:
        verdict = "revoked";
        break;
    default:
        verdict = "unknown";
        break;
    }
out:
    gnutls_free(issuer_name.data);
    gnutls_free(issuer_key.data);
    gnutls_free(serial.data);
    gnutls_ocsp_resp_deinit(resp);
    return verdict;
}

tp_status tls_facts_ocsp(gnutls_session_t session, gnutls_x509_crt_t leaf,
                         gnutls_x509_crt_t issuer, struct tp_handshake *hs)
{
    if (!(gnutls_session_get_flags(session) & GNUTLS_SFLAGS_CLI_REQUESTED_OCSP)) {
        hs->ocsp_stapled = TP_TRI_UNKNOWN; /* we did not ask (custom priority) */
        return TP_OK;
    }
    gnutls_datum_t der = {NULL, 0}; /* points into the session */
    if (gnutls_ocsp_status_request_get(session, &der) < 0 || der.size == 0) {
        hs->ocsp_stapled = TP_TRI_NO;
        return TP_OK;
    }
    hs->ocsp_stapled = TP_TRI_YES;
    const char *verdict = ocsp_verdict(&der, leaf, issuer);
    if (verdict == NULL)
        return TP_E_NOMEM;
    return tp_set_str(&hs->ocsp_status, verdict);
}

uint16_t tls_facts_suite(gnutls_session_t session)
{
    uint16_t code = 0;
    if (find_suite(session, tls_facts_version(session) == TP_VER_TLS13, &code) == NULL)
        return 0;
    return code;
}
