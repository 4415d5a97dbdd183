/* serve_pki.c: the test CA and the battery's certificates (tls/serve.h).
 *
 * Everything is made in memory with GnuTLS's X.509 writer: keys with
 * gnutls_x509_privkey_generate(), certificates with gnutls_x509_crt_sign2().
 * Every case carries an RSA leaf (2048 bits unless the case wants 1024):
 * what most TLS clients use, static RSA key exchange included; and, but for
 * the RSA-1024 case, an ECDSA P-256 leaf with the same defect, for clients
 * built with ECDHE-ECDSA only (a common mbedTLS configuration). GnuTLS
 * picks the one the client can use. */
#include "tls/tls_int.h"
#include "tls/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <gnutls/crypto.h>

#include "util/banned.h"

#define DAY 86400
#define CA_DAYS 3650
#define LEAF_DAYS 365
#define WRONG_HOST "wrong-host.tlsprobe.invalid"

struct tls_serve_ca {
    gnutls_x509_crt_t crt;
    gnutls_x509_privkey_t key;
    /* Made on first use and shared by every case that does not need a key
     * of its own: an RSA key costs tens of milliseconds, a battery needs
     * a dozen certificates. */
    gnutls_x509_privkey_t leaf_key, other_key, ec_leaf_key;
};

struct tls_serve_creds {
    gnutls_certificate_credentials_t cred;
};

/* ---- helpers ---- */

static tp_status gnutls_fail(tp_error *err, tp_status status, const char *what, int rc)
{
    return tp_fail(err, status, "%s: %s", what, gnutls_strerror(rc));
}

static tp_status new_key_of(gnutls_pk_algorithm_t pk, unsigned bits,
                            gnutls_x509_privkey_t *out, tp_error *err)
{
    int rc = gnutls_x509_privkey_init(out);
    if (rc < 0)
        return gnutls_fail(err, TP_E_NOMEM, "key", rc);
    rc = gnutls_x509_privkey_generate(*out, pk, bits, 0);
    if (rc < 0) {
        gnutls_x509_privkey_deinit(*out);
        *out = NULL;
        return gnutls_fail(err, TP_E_UNSUPPORTED, "generating a key", rc);
    }
    return TP_OK;
}

static tp_status new_key(unsigned bits, gnutls_x509_privkey_t *out, tp_error *err)
{
    return new_key_of(GNUTLS_PK_RSA, bits, out, err);
}

/* A positive 16-byte random serial (RFC 5280 Sec. 4.1.2.2: at most 20
 * octets, positive). */
static int set_serial(gnutls_x509_crt_t crt)
{
    uint8_t serial[16];
    int rc = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);
    if (rc < 0)
        return rc;
    serial[0] = (uint8_t)((serial[0] & 0x7f) | 0x01);
    return gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
}

static int set_cn(gnutls_x509_crt_t crt, const char *cn)
{
    int rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0,
                                           "tlsprobe --serve test", 21);
    if (rc < 0)
        return rc;
    return gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                         (unsigned)strlen(cn));
}

static int set_ski(gnutls_x509_crt_t crt)
{
    uint8_t id[64];
    size_t len = sizeof id;
    int rc = gnutls_x509_crt_get_key_id(crt, 0, id, &len);
    if (rc < 0)
        return rc;
    return gnutls_x509_crt_set_subject_key_id(crt, id, len);
}

/* The subject alternative name: an IP address for an IP literal, else a
 * DNS name (RFC 6125 Sec. 6.4: a client matches one or the other). */
static int set_san(gnutls_x509_crt_t crt, const char *host)
{
    uint8_t ip[16];
    if (inet_pton(AF_INET, host, ip) == 1)
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                    GNUTLS_FSAN_SET);
    if (inet_pton(AF_INET6, host, ip) == 1)
        return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_IPADDRESS, ip, 16,
                                                    GNUTLS_FSAN_SET);
    return gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, host,
                                                (unsigned)strlen(host), GNUTLS_FSAN_SET);
}

/* What varies from one certificate to the next. */
struct cert_spec {
    const char *cn;
    const char *san;            /* NULL: none */
    bool ca;
    const char *eku;            /* NULL: none (a CA) */
    time_t not_before, not_after;
    gnutls_x509_privkey_t key;  /* the subject's */
    gnutls_x509_crt_t issuer;   /* NULL: self-signed */
    gnutls_x509_privkey_t issuer_key;
    gnutls_digest_algorithm_t digest;
    bool ec;                    /* the subject's key is ECDSA: no keyEncipherment */
};

static tp_status make_cert(const struct cert_spec *s, gnutls_x509_crt_t *out, tp_error *err)
{
    gnutls_x509_crt_t crt = NULL;
    int rc = gnutls_x509_crt_init(&crt);
    if (rc < 0)
        return gnutls_fail(err, TP_E_NOMEM, "certificate", rc);
    /* RFC 5480 Sec. 3: an EC key does not encipher keys. */
    unsigned usage = s->ca   ? GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN
                     : s->ec ? GNUTLS_KEY_DIGITAL_SIGNATURE
                             : GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT;
    if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 || (rc = set_serial(crt)) < 0 ||
        (rc = gnutls_x509_crt_set_activation_time(crt, s->not_before)) < 0 ||
        (rc = gnutls_x509_crt_set_expiration_time(crt, s->not_after)) < 0 ||
        (rc = set_cn(crt, s->cn)) < 0 || (rc = gnutls_x509_crt_set_key(crt, s->key)) < 0 ||
        (rc = gnutls_x509_crt_set_basic_constraints(crt, s->ca ? 1 : 0, -1)) < 0 ||
        (rc = gnutls_x509_crt_set_key_usage(crt, usage)) < 0 || (rc = set_ski(crt)) < 0 ||
        (s->san != NULL && (rc = set_san(crt, s->san)) < 0) ||
        (s->eku != NULL && (rc = gnutls_x509_crt_set_key_purpose_oid(crt, s->eku, 0)) < 0))
        goto fail;
    rc = gnutls_x509_crt_sign2(crt, s->issuer != NULL ? s->issuer : crt,
                               s->issuer_key != NULL ? s->issuer_key : s->key, s->digest, 0);
    if (rc < 0)
        goto fail;
    *out = crt;
    return TP_OK;
fail:
    gnutls_x509_crt_deinit(crt);
    return gnutls_fail(err, rc == GNUTLS_E_MEMORY_ERROR ? TP_E_NOMEM : TP_E_UNSUPPORTED,
                       "making a certificate", rc);
}

/* ---- the CA ---- */

void tls_serve_ca_destroy(struct tls_serve_ca *ca)
{
    if (ca == NULL)
        return;
    if (ca->crt != NULL)
        gnutls_x509_crt_deinit(ca->crt);
    if (ca->key != NULL)
        gnutls_x509_privkey_deinit(ca->key);
    if (ca->leaf_key != NULL)
        gnutls_x509_privkey_deinit(ca->leaf_key);
    if (ca->other_key != NULL)
        gnutls_x509_privkey_deinit(ca->other_key);
    if (ca->ec_leaf_key != NULL)
        gnutls_x509_privkey_deinit(ca->ec_leaf_key);
    free(ca);
}

tp_status tls_serve_ca_generate(struct tls_serve_ca **out, tp_error *err)
{
    struct tls_serve_ca *ca = calloc(1, sizeof *ca);
    if (ca == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    time_t now = time(NULL);
    tp_status status = new_key(2048, &ca->key, err);
    if (status == TP_OK) {
        struct cert_spec s = {.cn = "tlsprobe --serve test CA", .ca = true,
                              .not_before = now - DAY, .not_after = now + (time_t)CA_DAYS * DAY,
                              .key = ca->key, .digest = GNUTLS_DIG_SHA256};
        status = make_cert(&s, &ca->crt, err);
    }
    if (status != TP_OK) {
        tls_serve_ca_destroy(ca);
        return status;
    }
    *out = ca;
    return TP_OK;
}

static tp_status read_datum(const char *path, gnutls_datum_t *out, tp_error *err)
{
    int rc = gnutls_load_file(path, out);
    if (rc < 0)
        return tp_fail(err, TP_E_USAGE, "cannot read %s: %s", path, gnutls_strerror(rc));
    return TP_OK;
}

static tp_status check_ca(const struct tls_serve_ca *ca, const char *cert_file,
                          const char *key_file, tp_error *err)
{
    unsigned critical = 0;
    if (gnutls_x509_crt_get_basic_constraints(ca->crt, &critical, NULL, NULL) != 1)
        return tp_fail(err, TP_E_USAGE, "--serve-ca %s: not a CA certificate "
                                        "(basicConstraints CA:TRUE)", cert_file);
    uint8_t a[64], b[64];
    size_t la = sizeof a, lb = sizeof b;
    if (gnutls_x509_crt_get_key_id(ca->crt, 0, a, &la) < 0 ||
        gnutls_x509_privkey_get_key_id(ca->key, 0, b, &lb) < 0 || la != lb ||
        memcmp(a, b, la) != 0)
        return tp_fail(err, TP_E_USAGE, "--serve-ca-key %s is not the key of %s", key_file,
                       cert_file);
    return TP_OK;
}

tp_status tls_serve_ca_load(const char *cert_file, const char *key_file,
                            struct tls_serve_ca **out, tp_error *err)
{
    gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
    struct tls_serve_ca *ca = calloc(1, sizeof *ca);
    if (ca == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_status status = read_datum(cert_file, &cert, err);
    if (status == TP_OK)
        status = read_datum(key_file, &key, err);
    int rc;
    if (status == TP_OK && ((rc = gnutls_x509_crt_init(&ca->crt)) < 0 ||
                            (rc = gnutls_x509_crt_import(ca->crt, &cert, GNUTLS_X509_FMT_PEM)) < 0))
        status = tp_fail(err, TP_E_USAGE, "--serve-ca %s: no PEM certificate (%s)", cert_file,
                         gnutls_strerror(rc));
    if (status == TP_OK &&
        ((rc = gnutls_x509_privkey_init(&ca->key)) < 0 ||
         (rc = gnutls_x509_privkey_import2(ca->key, &key, GNUTLS_X509_FMT_PEM, NULL,
                                           GNUTLS_PKCS_PLAIN)) < 0))
        status = tp_fail(err, TP_E_USAGE, "--serve-ca-key %s: no unencrypted PEM key (%s)",
                         key_file, gnutls_strerror(rc));
    if (status == TP_OK)
        status = check_ca(ca, cert_file, key_file, err);
    if (key.data != NULL)
        explicit_bzero(key.data, key.size);
    gnutls_free(cert.data);
    gnutls_free(key.data);
    if (status != TP_OK) {
        tls_serve_ca_destroy(ca);
        return status;
    }
    *out = ca;
    return TP_OK;
}

static tp_status write_new(const char *path, const gnutls_datum_t *d, mode_t mode, tp_error *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return tp_fail(err, TP_E_IO, "cannot create %s: %s", path, strerror(errno));
    size_t done = 0;
    while (done < d->size) {
        ssize_t n = write(fd, d->data + done, d->size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            int e = errno;
            close(fd);
            return tp_fail(err, TP_E_IO, "cannot write %s: %s", path, strerror(e));
        }
        done += (size_t)n;
    }
    if (close(fd) != 0)
        return tp_fail(err, TP_E_IO, "cannot write %s: %s", path, strerror(errno));
    return TP_OK;
}

tp_status tls_serve_ca_write(const struct tls_serve_ca *ca, const char *cert_path,
                             const char *key_path, tp_error *err)
{
    gnutls_datum_t cert = {NULL, 0}, key = {NULL, 0};
    tp_status status = TP_OK;
    int rc;
    if ((rc = gnutls_x509_crt_export2(ca->crt, GNUTLS_X509_FMT_PEM, &cert)) < 0 ||
        (rc = gnutls_x509_privkey_export2(ca->key, GNUTLS_X509_FMT_PEM, &key)) < 0)
        status = gnutls_fail(err, TP_E_NOMEM, "exporting the CA", rc);
    if (status == TP_OK)
        status = write_new(key_path, &key, 0600, err);
    if (status == TP_OK)
        status = write_new(cert_path, &cert, 0644, err);
    if (key.data != NULL)
        explicit_bzero(key.data, key.size);
    gnutls_free(cert.data);
    gnutls_free(key.data);
    return status;
}

tp_status tls_serve_ca_subject(const struct tls_serve_ca *ca, char **out)
{
    gnutls_datum_t dn = {NULL, 0};
    if (gnutls_x509_crt_get_dn3(ca->crt, &dn, 0) < 0)
        return TP_E_NOMEM;
    tp_status status = tp_set_str(out, (const char *)dn.data);
    gnutls_free(dn.data);
    return status;
}

/* ---- the cases ---- */

void tls_serve_creds_destroy(struct tls_serve_creds *c)
{
    if (c == NULL)
        return;
    if (c->cred != NULL)
        gnutls_certificate_free_credentials(c->cred);
    free(c);
}

static tp_status shared_key(gnutls_x509_privkey_t *slot, tp_error *err)
{
    return *slot != NULL ? TP_OK : new_key(2048, slot, err);
}

/* The keys and certificates one recipe needs, released together. The keys
 * are the CA's shared ones, except an RSA-1024 leaf key (owned_leaf). */
struct parts {
    gnutls_x509_privkey_t leaf_key, other_key;
    bool owned_leaf;
    gnutls_x509_crt_t chain[2];
    unsigned n_chain;
    gnutls_x509_crt_t other;   /* a fake or rogue issuer, not sent */
};

static void parts_finish(struct parts *p)
{
    if (p->owned_leaf && p->leaf_key != NULL)
        gnutls_x509_privkey_deinit(p->leaf_key);
    for (unsigned i = 0; i < p->n_chain; i++)
        gnutls_x509_crt_deinit(p->chain[i]);
    if (p->other != NULL)
        gnutls_x509_crt_deinit(p->other);
}

/* A second issuer with the CA's subject and key identifier but another
 * key: what it signs names the CA and does not verify with its key. */
static tp_status fake_ca(struct tls_serve_ca *ca, struct parts *p, tp_error *err)
{
    TP_TRY(shared_key(&ca->other_key, err));
    p->other_key = ca->other_key;
    int rc = gnutls_x509_crt_init(&p->other);
    if (rc < 0)
        return gnutls_fail(err, TP_E_NOMEM, "certificate", rc);
    gnutls_datum_t dn = {NULL, 0};
    uint8_t ski[64];
    size_t ski_len = sizeof ski;
    unsigned critical = 0;
    time_t now = time(NULL);
    rc = gnutls_x509_crt_get_subject_key_id(ca->crt, ski, &ski_len, &critical);
    if (rc < 0) {
        /* A CA without one: its key's id is what a verifier would compute. */
        ski_len = sizeof ski;
        rc = gnutls_x509_crt_get_key_id(ca->crt, 0, ski, &ski_len);
    }
    if (rc >= 0 && (rc = gnutls_x509_crt_get_dn3(ca->crt, &dn, 0)) >= 0 &&
        (rc = gnutls_x509_crt_set_version(p->other, 3)) >= 0 && (rc = set_serial(p->other)) >= 0 &&
        (rc = gnutls_x509_crt_set_dn(p->other, (const char *)dn.data, NULL)) >= 0 &&
        (rc = gnutls_x509_crt_set_key(p->other, p->other_key)) >= 0 &&
        (rc = gnutls_x509_crt_set_subject_key_id(p->other, ski, ski_len)) >= 0 &&
        (rc = gnutls_x509_crt_set_basic_constraints(p->other, 1, -1)) >= 0 &&
        (rc = gnutls_x509_crt_set_activation_time(p->other, now - DAY)) >= 0 &&
        (rc = gnutls_x509_crt_set_expiration_time(p->other, now + DAY)) >= 0)
        rc = gnutls_x509_crt_sign2(p->other, p->other, p->other_key, GNUTLS_DIG_SHA256, 0);
    gnutls_free(dn.data);
    if (rc < 0)
        return gnutls_fail(err, TP_E_UNSUPPORTED, "making the fake issuer", rc);
    return TP_OK;
}

static tp_status build_parts(struct tls_serve_ca *ca, enum tls_cert_recipe recipe,
                             const char *host, bool ec, struct parts *p, tp_error *err)
{
    time_t now = time(NULL);
    struct cert_spec leaf = {.cn = host, .san = host, .eku = GNUTLS_KP_TLS_WWW_SERVER,
                             .not_before = now - DAY, .not_after = now + (time_t)LEAF_DAYS * DAY,
                             .issuer = ca->crt, .issuer_key = ca->key,
                             .digest = GNUTLS_DIG_SHA256};
    if (recipe == TLS_CERT_RSA1024) {
        TP_TRY(new_key(1024, &p->leaf_key, err));
        p->owned_leaf = true;
    } else if (ec) {
        if (ca->ec_leaf_key == NULL)
            TP_TRY(new_key_of(GNUTLS_PK_ECDSA, GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
                              &ca->ec_leaf_key, err));
        p->leaf_key = ca->ec_leaf_key;
        leaf.ec = true;
    } else {
        TP_TRY(shared_key(&ca->leaf_key, err));
        p->leaf_key = ca->leaf_key;
    }
    leaf.key = p->leaf_key;
    switch (recipe) {
    case TLS_CERT_VALID:
    case TLS_CERT_RSA1024:
    case TLS_CERT_COUNT:
        break;
    case TLS_CERT_EXPIRED:
        leaf.not_before = now - 60 * DAY;
        leaf.not_after = now - 30 * DAY;
        break;
    case TLS_CERT_NOT_YET_VALID:
        leaf.not_before = now + 30 * DAY;
        leaf.not_after = now + 60 * DAY;
        break;
    case TLS_CERT_SELF_SIGNED:
        leaf.issuer = NULL;
        leaf.issuer_key = NULL;
        break;
    case TLS_CERT_WRONG_HOST:
        leaf.cn = leaf.san = WRONG_HOST;
        break;
    case TLS_CERT_UNTRUSTED: {
        TP_TRY(shared_key(&ca->other_key, err));
        p->other_key = ca->other_key;
        struct cert_spec rogue = {.cn = "tlsprobe --serve untrusted CA", .ca = true,
                                  .not_before = now - DAY, .not_after = now + 30 * DAY,
                                  .key = p->other_key, .digest = GNUTLS_DIG_SHA256};
        TP_TRY(make_cert(&rogue, &p->other, err));
        leaf.issuer = p->other;
        leaf.issuer_key = p->other_key;
        break;
    }
    case TLS_CERT_NOT_CA: {
        /* The intermediate is a proper leaf of the CA; it signs ours. */
        TP_TRY(shared_key(&ca->other_key, err));
        p->other_key = ca->other_key;
        struct cert_spec mid = leaf;
        mid.cn = "tlsprobe --serve leaf used as a CA";
        mid.san = NULL;
        mid.key = p->other_key;
        mid.ec = false;
        TP_TRY(make_cert(&mid, &p->other, err));
        leaf.issuer = p->other;
        leaf.issuer_key = p->other_key;
        break;
    }
    case TLS_CERT_WRONG_EKU:
        leaf.eku = GNUTLS_KP_TLS_WWW_CLIENT;
        break;
    case TLS_CERT_BAD_SIGNATURE:
        TP_TRY(fake_ca(ca, p, err));
        leaf.issuer = p->other;
        leaf.issuer_key = p->other_key;
        break;
    case TLS_CERT_SHA1:
        leaf.digest = GNUTLS_DIG_SHA1;
        break;
    }
    TP_TRY(make_cert(&leaf, &p->chain[p->n_chain++], err));
    /* Send the issuer a device cannot have (the rogue CA, the leaf used as
     * a CA), as a server with that chain would. */
    if (recipe == TLS_CERT_UNTRUSTED || recipe == TLS_CERT_NOT_CA) {
        p->chain[p->n_chain++] = p->other;
        p->other = NULL;
    }
    return TP_OK;
}

/* Add recipe's chain with an RSA (ec false) or ECDSA leaf to cred. */
static tp_status add_chain(struct tls_serve_ca *ca, enum tls_cert_recipe recipe,
                           const char *host, bool ec, gnutls_certificate_credentials_t cred,
                           tp_error *err)
{
    struct parts p;
    memset(&p, 0, sizeof p);
    tp_status status = build_parts(ca, recipe, host, ec, &p, err);
    int rc;
    if (status == TP_OK && (rc = gnutls_certificate_set_x509_key(cred, p.chain, p.n_chain,
                                                                 p.leaf_key)) < 0)
        status = gnutls_fail(err, TP_E_UNSUPPORTED, "GnuTLS will not serve this chain", rc);
    parts_finish(&p);
    return status;
}

tp_status tls_serve_creds_build(struct tls_serve_ca *ca, enum tls_cert_recipe recipe,
                                const char *host, struct tls_serve_creds **out, tp_error *err)
{
    struct tls_serve_creds *c = calloc(1, sizeof *c);
    if (c == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    int rc = gnutls_certificate_allocate_credentials(&c->cred);
    tp_status status = rc < 0 ? gnutls_fail(err, TP_E_NOMEM, "credentials", rc) : TP_OK;
    if (status == TP_OK)
        status = add_chain(ca, recipe, host, false, c->cred, err);
    if (status == TP_OK && recipe != TLS_CERT_RSA1024)
        status = add_chain(ca, recipe, host, true, c->cred, err);
    if (status != TP_OK) {
        tls_serve_creds_destroy(c);
        return status;
    }
    *out = c;
    return TP_OK;
}

gnutls_certificate_credentials_t tls_serve_creds_get(const struct tls_serve_creds *c)
{
    return c->cred;
}

tp_status tls_serve_priority_check(const char *priority, tp_error *err)
{
    gnutls_priority_t prio = NULL;
    const char *where = NULL;
    int rc = gnutls_priority_init2(&prio, priority, &where, GNUTLS_PRIORITY_INIT_DEF_APPEND);
    if (rc < 0)
        return tp_fail(err, TP_E_UNSUPPORTED, "this GnuTLS refuses the priority \"%s\" (%s at "
                                              "\"%s\")",
                       priority, gnutls_strerror(rc), where != NULL ? where : "?");
    unsigned idx = 0;
    int suites = 0;
    for (unsigned i = 0; gnutls_priority_get_cipher_suite_index(prio, i, &idx) !=
                         GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
         i++)
        if (gnutls_cipher_suite_info(idx, NULL, NULL, NULL, NULL, NULL) != NULL)
            suites++;
    gnutls_priority_deinit(prio);
    if (suites == 0)
        return tp_fail(err, TP_E_UNSUPPORTED, "this GnuTLS has no cipher suite for \"%s\"",
                       priority);
    return TP_OK;
}
