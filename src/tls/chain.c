/* chain.c: the peer's certificate chain -> struct tp_cert.
 *
 * Certificates come from the peer and may be malformed: a certificate that
 * GnuTLS cannot import keeps its SHA-256 fingerprint (computed over the DER
 * as received) and nothing else, and each field that fails to parse is left
 * absent. Every GnuTLS object and datum is released on every path. */
#include "tls/tls_int.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>
#include <gnutls/crypto.h>
#include <gnutls/x509-ext.h>

#include "wire/reader.h"
#include "util/banned.h"

/* Copy n peer bytes as a C string. An embedded NUL would silently cut the
 * string short (the classic "www.bank.com\0.evil.com" trick), so such a
 * value is stored with each NUL shown as "\0". */
static char *peer_string(const void *data, size_t n)
{
    const char *s = data;
    size_t nuls = 0;
    for (size_t i = 0; i < n; i++)
        nuls += s[i] == '\0';
    char *out = malloc(n + nuls + 1);
    if (out == NULL)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0') {
            out[o++] = '\\';
            out[o++] = '0';
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static tp_status push_prefixed(struct tp_strlist *list, const char *prefix, const void *data,
                               size_t n)
{
    char *value = peer_string(data, n);
    if (value == NULL)
        return TP_E_NOMEM;
    char *item = NULL;
    int rc = asprintf(&item, "%s%s", prefix, value);
    free(value);
    if (rc < 0)
        return TP_E_NOMEM;
    tp_status status = tp_strlist_push(list, item);
    free(item);
    return status;
}

static void hex_colon(const unsigned char *bytes, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            out[o++] = ':';
        out[o++] = digits[bytes[i] >> 4];
        out[o++] = digits[bytes[i] & 15];
    }
    out[o] = '\0';
}

static void fingerprint(const gnutls_datum_t *der, char out[65])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char digest[32];
    out[0] = '\0';
    if (gnutls_hash_fast(GNUTLS_DIG_SHA256, der->data, der->size, digest) < 0)
        return;
    for (size_t i = 0; i < sizeof digest; i++) {
        out[2 * i] = digits[digest[i] >> 4];
        out[2 * i + 1] = digits[digest[i] & 15];
    }
    out[64] = '\0';
}

/* An RFC 4514 string from GnuTLS (dn3 functions), or NULL if absent. */
static tp_status take_dn(int rc, gnutls_datum_t *dn, char **slot)
{
    if (rc < 0)
        return TP_OK; /* absent or unparsable: left NULL */
    char *copy = peer_string(dn->data, dn->size);
    gnutls_free(dn->data);
    dn->data = NULL;
    if (copy == NULL)
        return TP_E_NOMEM;
    free(*slot);
    *slot = copy;
    return TP_OK;
}

static tp_status describe_names(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    gnutls_datum_t dn = {NULL, 0};
    TP_TRY(take_dn(gnutls_x509_crt_get_dn3(crt, &dn, 0), &dn, &cert->subject));
    return take_dn(gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0), &dn, &cert->issuer);
}

static tp_status push_ip(struct tp_strlist *list, const gnutls_datum_t *ip)
{
    char text[INET6_ADDRSTRLEN + 4];
    char item[INET6_ADDRSTRLEN + 8];
    if (ip->size == 4 && inet_ntop(AF_INET, ip->data, text, sizeof text) != NULL) {
        snprintf(item, sizeof item, "IP:%s", text);
        return tp_strlist_push(list, item);
    }
    if (ip->size == 16 && inet_ntop(AF_INET6, ip->data, text, sizeof text) != NULL) {
        snprintf(item, sizeof item, "IP:%s", text);
        return tp_strlist_push(list, item);
    }
    /* Not an address (RFC 5280 Sec. 4.2.1.6: 4 or 16 octets); show the bytes. */
    char hex[3 * 32 + 1];
    size_t n = ip->size < 32 ? ip->size : 32;
    hex_colon(ip->data, n, hex);
    char *bad = NULL;
    if (asprintf(&bad, "IP:invalid(%s)", hex) < 0)
        return TP_E_NOMEM;
    tp_status status = tp_strlist_push(list, bad);
    free(bad);
    return status;
}

static tp_status push_dirname(struct tp_strlist *list, const gnutls_datum_t *der)
{
    gnutls_x509_dn_t dn = NULL;
    gnutls_datum_t str = {NULL, 0};
    tp_status status = TP_OK;
    if (gnutls_x509_dn_init(&dn) < 0)
        return TP_E_NOMEM;
    if (gnutls_x509_dn_import(dn, der) >= 0 && gnutls_x509_dn_get_str2(dn, &str, 0) >= 0)
        status = push_prefixed(list, "DirName:", str.data, str.size);
    else
        status = tp_strlist_push(list, "DirName:(unparsable)");
    gnutls_free(str.data);
    gnutls_x509_dn_deinit(dn);
    return status;
}

/* One GeneralName (RFC 5280 Sec. 4.2.1.6) as "TYPE:value". */
static tp_status push_san(struct tp_strlist *list, unsigned type, const gnutls_datum_t *san,
                          const gnutls_datum_t *othername)
{
    switch (type) {
    case GNUTLS_SAN_DNSNAME:
        return push_prefixed(list, "DNS:", san->data, san->size);
    case GNUTLS_SAN_RFC822NAME:
        return push_prefixed(list, "email:", san->data, san->size);
    case GNUTLS_SAN_URI:
        return push_prefixed(list, "URI:", san->data, san->size);
    case GNUTLS_SAN_IPADDRESS:
        return push_ip(list, san);
    case GNUTLS_SAN_DN:
        return push_dirname(list, san);
    case GNUTLS_SAN_REGISTERED_ID:
        return push_prefixed(list, "RID:", san->data, san->size);
    case GNUTLS_SAN_OTHERNAME:
        return push_prefixed(list, "othername:", othername->data, othername->size);
    default:
        return tp_strlist_push(list, "other:(unsupported name type)");
    }
}

static tp_status describe_sans(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    gnutls_datum_t ext = {NULL, 0};
    gnutls_subject_alt_names_t sans = NULL;
    unsigned critical = 0;
    tp_status status = TP_OK;

    if (gnutls_x509_crt_get_extension_by_oid2(crt, GNUTLS_X509EXT_OID_SAN, 0, &ext,
                                              &critical) < 0)
        return TP_OK; /* no SAN extension */
    if (gnutls_subject_alt_names_init(&sans) < 0) {
        status = TP_E_NOMEM;
        goto out;
    }
    if (gnutls_x509_ext_import_subject_alt_names(&ext, sans, 0) < 0) {
        status = tp_strlist_push(&cert->san, "invalid:(unparsable subjectAltName)");
        goto out;
    }
    for (unsigned i = 0; status == TP_OK; i++) {
        unsigned type = 0;
        gnutls_datum_t san = {NULL, 0}, othername = {NULL, 0};
        if (gnutls_subject_alt_names_get(sans, i, &type, &san, &othername) < 0)
            break; /* GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE: end of list */
        status = push_san(&cert->san, type, &san, &othername);
    }
out:
    if (sans != NULL)
        gnutls_subject_alt_names_deinit(sans);
    gnutls_free(ext.data);
    return status;
}

static tp_status describe_serial(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    /* RFC 5280 Sec. 4.1.2.2 caps serials at 20 octets; accept more. */
    unsigned char serial[64];
    size_t size = sizeof serial;
    if (gnutls_x509_crt_get_serial(crt, serial, &size) < 0 || size == 0)
        return TP_OK;
    char *text = malloc(3 * size);
    if (text == NULL)
        return TP_E_NOMEM;
    hex_colon(serial, size, text);
    free(cert->serial);
    cert->serial = text;
    return TP_OK;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static void describe_validity(gnutls_x509_crt_t crt, int64_t now, struct tp_cert *cert)
{
    time_t nb = gnutls_x509_crt_get_activation_time(crt);
    time_t na = gnutls_x509_crt_get_expiration_time(crt);
    cert->not_before = nb == (time_t)-1 ? 0 : (int64_t)nb;
    cert->not_after = na == (time_t)-1 ? 0 : (int64_t)na;
    /* Whole days, rounded down: -1 as soon as the certificate has expired. */
    if (na != (time_t)-1)
        cert->days_left = floor_div((int64_t)na - now, 86400);
}

static const char *key_type_name(int pk)
{
    switch (pk) {
    case GNUTLS_PK_RSA:
        return "RSA";
    case GNUTLS_PK_RSA_PSS:
        return "RSA-PSS";
    case GNUTLS_PK_ECDSA:
        return "EC";
    case GNUTLS_PK_EDDSA_ED25519:
        return "Ed25519";
    case GNUTLS_PK_EDDSA_ED448:
        return "Ed448";
    case GNUTLS_PK_DSA:
        return "DSA";
    default:
        return NULL;
    }
}

static tp_status describe_key(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    unsigned bits = 0;
    int pk = gnutls_x509_crt_get_pk_algorithm(crt, &bits);
    if (pk < 0)
        return TP_OK;
    cert->key_bits = bits;
    const char *name = key_type_name(pk);
    if (name == NULL)
        name = gnutls_pk_get_name((gnutls_pk_algorithm_t)pk);
    TP_TRY(tp_set_str(&cert->key_type, name));
    if (pk != GNUTLS_PK_ECDSA)
        return TP_OK;

    gnutls_ecc_curve_t curve = GNUTLS_ECC_CURVE_INVALID;
    gnutls_datum_t x = {NULL, 0}, y = {NULL, 0};
    int rc = gnutls_x509_crt_get_pk_ecc_raw(crt, &curve, &x, &y);
    gnutls_free(x.data);
    gnutls_free(y.data);
    if (rc < 0 || curve == GNUTLS_ECC_CURVE_INVALID)
        return TP_OK;
    const char *curve_name = gnutls_ecc_curve_get_name(curve);
    /* IANA-style lowercase: "secp256r1" (RFC 8422 Sec. 5.1.1). */
    return curve_name != NULL ? tls_set_lower(&cert->curve, curve_name) : TP_OK;
}

static tp_status describe_sig_alg(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    int sign = gnutls_x509_crt_get_signature_algorithm(crt);
    const char *name = sign > 0 ? gnutls_sign_get_name((gnutls_sign_algorithm_t)sign) : NULL;
    if (name != NULL)
        return tp_set_str(&cert->sig_alg, name);
    /* An algorithm GnuTLS does not know: its OID says what it is. */
    char oid[128];
    size_t size = sizeof oid;
    if (gnutls_x509_crt_get_signature_oid(crt, oid, &size) < 0)
        return TP_OK;
    return tp_set_str(&cert->sig_alg, oid);
}

static tp_status describe_usage(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    /* RFC 5280 Sec. 4.2.1.3, in bit order. */
    static const struct {
        unsigned bit;
        const char *name;
    } usages[] = {
        {GNUTLS_KEY_DIGITAL_SIGNATURE, "digitalSignature"},
        {GNUTLS_KEY_NON_REPUDIATION, "nonRepudiation"},
        {GNUTLS_KEY_KEY_ENCIPHERMENT, "keyEncipherment"},
        {GNUTLS_KEY_DATA_ENCIPHERMENT, "dataEncipherment"},
        {GNUTLS_KEY_KEY_AGREEMENT, "keyAgreement"},
        {GNUTLS_KEY_KEY_CERT_SIGN, "keyCertSign"},
        {GNUTLS_KEY_CRL_SIGN, "cRLSign"},
        {GNUTLS_KEY_ENCIPHER_ONLY, "encipherOnly"},
        {GNUTLS_KEY_DECIPHER_ONLY, "decipherOnly"},
    };
    unsigned usage = 0, critical = 0;
    if (gnutls_x509_crt_get_key_usage(crt, &usage, &critical) < 0)
        return TP_OK;
    for (size_t i = 0; i < sizeof usages / sizeof usages[0]; i++)
        if (usage & usages[i].bit)
            TP_TRY(tp_strlist_push(&cert->key_usage, usages[i].name));
    return TP_OK;
}

static const char *eku_name(const char *oid)
{
    /* RFC 5280 Sec. 4.2.1.12 and common vendor purposes. */
    static const struct {
        const char *oid, *name;
    } ekus[] = {
        {"1.3.6.1.5.5.7.3.1", "serverAuth"},
        {"1.3.6.1.5.5.7.3.2", "clientAuth"},
        {"1.3.6.1.5.5.7.3.3", "codeSigning"},
        {"1.3.6.1.5.5.7.3.4", "emailProtection"},
        {"1.3.6.1.5.5.7.3.8", "timeStamping"},
        {"1.3.6.1.5.5.7.3.9", "OCSPSigning"},
        {"2.5.29.37.0", "anyExtendedKeyUsage"},
        {"1.3.6.1.4.1.311.10.3.3", "msSGC"},
        {"2.16.840.1.113730.4.1", "nsSGC"},
    };
    for (size_t i = 0; i < sizeof ekus / sizeof ekus[0]; i++)
        if (strcmp(oid, ekus[i].oid) == 0)
            return ekus[i].name;
    return oid;
}

static tp_status describe_eku(gnutls_x509_crt_t crt, struct tp_cert *cert)
{
    for (unsigned i = 0;; i++) {
        char oid[256];
        size_t size = sizeof oid;
        unsigned critical = 0;
        int rc = gnutls_x509_crt_get_key_purpose_oid(crt, i, oid, &size, &critical);
        if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER) {
            TP_TRY(tp_strlist_push(&cert->ext_key_usage, "(overlong OID)"));
            continue;
        }
        if (rc < 0)
            return TP_OK; /* end of list, or no extension */
        TP_TRY(tp_strlist_push(&cert->ext_key_usage, eku_name(oid)));
    }
}

static enum tp_tri ca_flag(gnutls_x509_crt_t crt)
{
    unsigned critical = 0, ca = 0;
    int pathlen = -1;
    int rc = gnutls_x509_crt_get_basic_constraints(crt, &critical, &ca, &pathlen);
    if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
        return TP_TRI_NO; /* RFC 5280 Sec. 4.2.1.9: absent means not a CA */
    if (rc < 0)
        return TP_TRI_UNKNOWN;
    return ca ? TP_TRI_YES : TP_TRI_NO;
}

static bool self_issued(gnutls_x509_crt_t crt, const struct tp_cert *cert)
{
    gnutls_datum_t subject = {NULL, 0}, issuer = {NULL, 0};
    bool same = false;
    if (gnutls_x509_crt_get_raw_dn(crt, &subject) >= 0 &&
        gnutls_x509_crt_get_raw_issuer_dn(crt, &issuer) >= 0)
        same = subject.size == issuer.size && memcmp(subject.data, issuer.data, subject.size) == 0;
    gnutls_free(subject.data);
    gnutls_free(issuer.data);
    /* Equal DNs may differ in string type (RFC 5280 Sec. 7.1 compares them
     * after normalisation); the RFC 4514 forms catch that case. */
    if (!same && cert->subject != NULL && cert->issuer != NULL)
        same = strcmp(cert->subject, cert->issuer) == 0;
    return same;
}

/* Read one DER tag and definite length (X.690 Sec. 8.1.3), leaving a
 * sub-reader over the value. */
static tp_status der_tlv(tp_reader *rd, uint8_t want_tag, const char *field, tp_reader *value)
{
    uint8_t tag = 0, first = 0;
    TP_TRY(tp_rd_u8(rd, field, &tag));
    if (tag != want_tag)
        return tp_fail(rd->err, TP_E_PARSE, "%s: unexpected DER tag 0x%02x", field, tag);
    TP_TRY(tp_rd_u8(rd, field, &first));
    size_t len = first;
    if (first & 0x80) {
        unsigned octets = first & 0x7fu;
        if (octets == 0 || octets > 4)
            return tp_fail(rd->err, TP_E_PARSE, "%s: unsupported DER length", field);
        len = 0;
        for (unsigned i = 0; i < octets; i++) {
            uint8_t b = 0;
            TP_TRY(tp_rd_u8(rd, field, &b));
            len = (len << 8) | b;
        }
    }
    return tp_rd_sub(rd, field, len, value);
}

/* The DER of tbsCertificate, the signed part (RFC 5280 Sec. 4.1):
 *   Certificate ::= SEQUENCE { tbsCertificate TBSCertificate, ... } */
static tp_status tbs_bytes(const gnutls_datum_t *der, gnutls_datum_t *tbs)
{
    tp_reader rd, cert, inner;
    tp_rd_init(&rd, der->data, der->size, NULL);
    TP_TRY(der_tlv(&rd, 0x30, "Certificate", &cert));
    size_t start = cert.pos;
    TP_TRY(der_tlv(&cert, 0x30, "tbsCertificate", &inner));
    tbs->data = (unsigned char *)(uintptr_t)(cert.base + start);
    tbs->size = (unsigned)(cert.pos - start);
    return TP_OK;
}

/* Does crt's signature verify with its own public key? GnuTLS's verifier
 * cannot answer this for a self-issued end-entity certificate: it trusts a
 * certificate found in the trust list without checking its signature, and
 * stops at an issuer that is not a CA. So check the signature directly. The
 * algorithm policy is not the question here, hence ALLOW_BROKEN. */
static bool signature_self_verifies(gnutls_x509_crt_t crt, const gnutls_datum_t *der)
{
    gnutls_pubkey_t key = NULL;
    gnutls_datum_t tbs = {NULL, 0};
    unsigned char *sig = NULL;
    size_t sig_size = 0;
    bool ok = false;

    int sign = gnutls_x509_crt_get_signature_algorithm(crt);
    if (sign <= 0 || tbs_bytes(der, &tbs) != TP_OK)
        goto out;
    if (gnutls_x509_crt_get_signature(crt, NULL, &sig_size) != GNUTLS_E_SHORT_MEMORY_BUFFER ||
        sig_size == 0 || (sig = malloc(sig_size)) == NULL ||
        gnutls_x509_crt_get_signature(crt, (char *)sig, &sig_size) < 0)
        goto out;
    if (gnutls_pubkey_init(&key) < 0 || gnutls_pubkey_import_x509(key, crt, 0) < 0)
        goto out;
    gnutls_datum_t signature = {sig, (unsigned)sig_size};
    ok = gnutls_pubkey_verify_data2(key, (gnutls_sign_algorithm_t)sign,
                                    GNUTLS_VERIFY_ALLOW_BROKEN | GNUTLS_VERIFY_ALLOW_SIGN_WITH_SHA1,
                                    &tbs, &signature) >= 0;
out:
    if (key != NULL)
        gnutls_pubkey_deinit(key);
    free(sig);
    return ok;
}

static tp_status describe_cert(gnutls_x509_crt_t crt, const gnutls_datum_t *der, int64_t now,
                               struct tp_cert *cert)
{
    TP_TRY(describe_names(crt, cert));
    TP_TRY(describe_sans(crt, cert));
    TP_TRY(describe_serial(crt, cert));
    describe_validity(crt, now, cert);
    TP_TRY(describe_key(crt, cert));
    TP_TRY(describe_sig_alg(crt, cert));
    cert->is_ca = ca_flag(crt);
    TP_TRY(describe_usage(crt, cert));
    TP_TRY(describe_eku(crt, cert));
    cert->self_issued = self_issued(crt, cert);
    cert->self_signed = cert->self_issued && signature_self_verifies(crt, der);
    return TP_OK;
}

tp_status tls_chain_load(const gnutls_datum_t *peers, size_t n, int64_t now,
                         struct tls_chain *chain, struct tp_report *report)
{
    chain->crts = n > 0 ? calloc(n, sizeof *chain->crts) : NULL;
    chain->count = 0;
    if (n > 0 && chain->crts == NULL)
        return TP_E_NOMEM;
    chain->count = n;
    for (size_t i = 0; i < n; i++) {
        struct tp_cert *cert = tp_report_add_cert(report);
        if (cert == NULL)
            return TP_E_NOMEM;
        cert->is_ca = TP_TRI_UNKNOWN;
        cert->der_bytes = peers[i].size;
        fingerprint(&peers[i], cert->sha256);
        gnutls_x509_crt_t crt = NULL;
        if (gnutls_x509_crt_init(&crt) < 0)
            return TP_E_NOMEM;
        if (gnutls_x509_crt_import(crt, &peers[i], GNUTLS_X509_FMT_DER) < 0) {
            gnutls_x509_crt_deinit(crt);
            continue; /* malformed: fingerprint only, chain->crts[i] stays NULL */
        }
        chain->crts[i] = crt;
        TP_TRY(describe_cert(crt, &peers[i], now, cert));
    }
    return TP_OK;
}

void tls_chain_finish(struct tls_chain *chain)
{
    for (size_t i = 0; i < chain->count; i++)
        if (chain->crts[i] != NULL)
            gnutls_x509_crt_deinit(chain->crts[i]);
    free(chain->crts);
    chain->crts = NULL;
    chain->count = 0;
}

tp_status tls_describe_der(const uint8_t *der, size_t len, int64_t now, struct tp_cert *cert)
{
    if (len > UINT32_MAX)
        return TP_OK;
    gnutls_datum_t datum = {.data = (unsigned char *)(uintptr_t)der, .size = (unsigned)len};
    cert->is_ca = TP_TRI_UNKNOWN;
    cert->der_bytes = (uint32_t)len;
    fingerprint(&datum, cert->sha256);
    gnutls_x509_crt_t crt = NULL;
    if (gnutls_x509_crt_init(&crt) < 0)
        return TP_E_NOMEM;
    tp_status status = TP_OK;
    if (gnutls_x509_crt_import(crt, &datum, GNUTLS_X509_FMT_DER) >= 0)
        status = describe_cert(crt, &datum, now, cert);
    gnutls_x509_crt_deinit(crt);
    return status;
}
