/* client_cert.c: the client certificate of --cert/--key (mutual TLS).
 *
 * The chain is PEM, leaf first, as curl --cert and openssl s_client -cert
 * take it; without --key the private key is read from the same file. It is
 * loaded once per handshake into GnuTLS pcerts and a privkey, and handed to
 * GnuTLS from the certificate-request callback (session.c), so the report
 * can say whether a certificate was asked for and whether one was sent. */
#include "tls/tls_int.h"

#include <stdlib.h>
#include <string.h>

#include <gnutls/abstract.h>

#include "util/banned.h"

/* A chain longer than this is not a client certificate anybody deploys. */
#define CLIENT_CHAIN_MAX 16u

static tp_status load_file(const char *opt, const char *path, gnutls_datum_t *out,
                           tp_error *err)
{
    int rc = gnutls_load_file(path, out);
    if (rc == GNUTLS_E_MEMORY_ERROR)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (rc < 0)
        return tp_fail(err, TP_E_USAGE, "%s %s: cannot read the file", opt, path);
    return TP_OK;
}

static tp_status import_chain(struct tls_client_cert *cc, const char *path,
                              const gnutls_datum_t *pem, tp_error *err)
{
    unsigned n = CLIENT_CHAIN_MAX;
    cc->pcerts = calloc(CLIENT_CHAIN_MAX, sizeof *cc->pcerts);
    if (cc->pcerts == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    int rc = gnutls_pcert_list_import_x509_raw(cc->pcerts, &n, pem, GNUTLS_X509_FMT_PEM, 0);
    if (rc == GNUTLS_E_SHORT_MEMORY_BUFFER)
        return tp_fail(err, TP_E_USAGE, "--cert %s: more than %u certificates", path,
                       CLIENT_CHAIN_MAX);
    if (rc < 0 || n == 0)
        return tp_fail(err, TP_E_USAGE, "--cert %s: no PEM certificate (%s)", path,
                       rc < 0 ? gnutls_strerror(rc) : "none found");
    cc->n_pcerts = n;
    return TP_OK;
}

static tp_status import_key(struct tls_client_cert *cc, const char *opt, const char *path,
                            const gnutls_datum_t *pem, tp_error *err)
{
    if (gnutls_privkey_init(&cc->key) < 0)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    int rc = gnutls_privkey_import_x509_raw(cc->key, pem, GNUTLS_X509_FMT_PEM, NULL, 0);
    if (rc < 0)
        return tp_fail(err, TP_E_USAGE, "%s %s: no usable unencrypted PEM private key (%s)", opt,
                       path, gnutls_strerror(rc));
    return TP_OK;
}

/* The key must belong to the leaf: a mismatch would only show up as the
 * server's decrypt_error, which looks like the server's fault. */
static tp_status check_pair(const struct tls_client_cert *cc, const struct tp_config *cfg,
                            tp_error *err)
{
    static const uint8_t probe[] = "tlsprobe key check";
    const gnutls_datum_t data = {(unsigned char *)(uintptr_t)probe, sizeof probe};
    gnutls_datum_t sig = {NULL, 0};
    gnutls_pk_algorithm_t pk = gnutls_pubkey_get_pk_algorithm(cc->pcerts[0].pubkey, NULL);
    gnutls_sign_algorithm_t alg = gnutls_pk_to_sign(pk, GNUTLS_DIG_SHA256);
    if (pk == GNUTLS_PK_EDDSA_ED25519 || pk == GNUTLS_PK_EDDSA_ED448)
        alg = pk == GNUTLS_PK_EDDSA_ED25519 ? GNUTLS_SIGN_EDDSA_ED25519 : GNUTLS_SIGN_EDDSA_ED448;
    int rc = gnutls_privkey_sign_data2(cc->key, alg, 0, &data, &sig);
    if (rc >= 0)
        rc = gnutls_pubkey_verify_data2(cc->pcerts[0].pubkey, alg, 0, &data, &sig);
    gnutls_free(sig.data);
    if (rc < 0)
        return tp_fail(err, TP_E_USAGE, "%s does not match the certificate in --cert %s",
                       cfg->key_file != NULL ? "--key" : "the key in --cert", cfg->cert_file);
    return TP_OK;
}

tp_status tls_client_cert_load(const struct tp_config *cfg, struct tls_client_cert *cc,
                               tp_error *err)
{
    memset(cc, 0, sizeof *cc);
    if (cfg->cert_file == NULL)
        return TP_OK;
    gnutls_datum_t cert_pem = {NULL, 0}, key_pem = {NULL, 0};
    const char *key_opt = cfg->key_file != NULL ? "--key" : "--cert";
    const char *key_path = cfg->key_file != NULL ? cfg->key_file : cfg->cert_file;
    tp_status status = load_file("--cert", cfg->cert_file, &cert_pem, err);
    if (status == TP_OK && cfg->key_file != NULL)
        status = load_file("--key", cfg->key_file, &key_pem, err);
    if (status == TP_OK)
        status = import_chain(cc, cfg->cert_file, &cert_pem, err);
    if (status == TP_OK)
        status = import_key(cc, key_opt, key_path, cfg->key_file != NULL ? &key_pem : &cert_pem,
                            err);
    if (status == TP_OK)
        status = check_pair(cc, cfg, err);
    gnutls_free(cert_pem.data);
    if (key_pem.data != NULL) {
        gnutls_memset(key_pem.data, 0, key_pem.size);
        gnutls_free(key_pem.data);
    }
    if (status != TP_OK)
        tls_client_cert_finish(cc);
    return status;
}

void tls_client_cert_finish(struct tls_client_cert *cc)
{
    for (unsigned i = 0; cc->pcerts != NULL && i < cc->n_pcerts; i++)
        gnutls_pcert_deinit(&cc->pcerts[i]);
    free(cc->pcerts);
    if (cc->key != NULL)
        gnutls_privkey_deinit(cc->key);
    memset(cc, 0, sizeof *cc);
}

tp_status tls_check_credentials(const struct tp_config *cfg, tp_error *err)
{
    struct tls_client_cert cc;
    TP_TRY(tls_client_cert_load(cfg, &cc, err));
    tls_client_cert_finish(&cc);
    return TP_OK;
}

tp_status tls_client_cert_subject(const struct tls_client_cert *cc, char **out)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t dn = {NULL, 0};
    tp_status status = TP_OK;
    if (cc->n_pcerts == 0)
        return tp_set_str(out, NULL);
    if (gnutls_x509_crt_init(&crt) < 0)
        return TP_E_NOMEM;
    if (gnutls_x509_crt_import(crt, &cc->pcerts[0].cert, GNUTLS_X509_FMT_DER) >= 0 &&
        gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
        char *text = strndup((const char *)dn.data, dn.size);
        status = text != NULL ? tp_set_str(out, text) : TP_E_NOMEM;
        free(text);
    }
    gnutls_free(dn.data);
    gnutls_x509_crt_deinit(crt);
    return status;
}
