/* verify.c: is the chain trusted, does it name the host, is it well formed?
 *
 * Path validation (RFC 5280 Sec. 6) is GnuTLS's, against the system trust
 * store or only --ca-file. The handshake itself does not verify (a broken
 * certificate is something to report, not a reason to stop), so this runs
 * afterwards on the chain the server sent.
 *
 * Stable error codes in report->verification.errors (the JSON contract;
 * new codes may be added, none renamed):
 *   expired, not-yet-valid, signer-not-found, signer-not-ca,
 *   insecure-algorithm, revoked, invalid-signature, signer-constraints,
 *   purpose-mismatch, unknown-critical-extension, unexpected-owner,
 *   mismatch, revocation-data-superseded, revocation-data-future,
 *   missing-ocsp-status, invalid-ocsp-status, invalid (no more specific
 *   reason), hostname-mismatch, self-signed, chain-incomplete,
 *   chain-order, no-certificate, malformed-certificate, no-trust-anchors. */
#include "tls/tls_int.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/banned.h"

/* The anchors are loaded once per process and shared by every handshake
 * (the report's, the other chains', --timing's repeats, every --targets
 * job): parsing the system store costs milliseconds per load, which had
 * bounded --targets at 125 targets/s. The key is the --ca-file path (NULL:
 * the system store); a different key, which one process does not ask for
 * today, gets a list of its own. GnuTLS's lookups in a list are reads for a
 * file-backed store, but a PKCS#11-backed one may add to the list while it
 * verifies (GnuTLS issue 1277), so every lookup in the shared list holds
 * trust_mu. */
static pthread_mutex_t trust_mu = PTHREAD_MUTEX_INITIALIZER;
static struct {
    bool loaded;
    char *ca_file; /* the key; NULL for the system store */
    gnutls_x509_trust_list_t list;
    size_t anchors;
} shared_trust;

static tp_status load_trust(const char *ca_file, gnutls_x509_trust_list_t *out, size_t *anchors,
                            tp_error *err)
{
    gnutls_x509_trust_list_t list = NULL;
    tp_status status = TP_OK;
    *out = NULL;
    *anchors = 0;

    if (gnutls_x509_trust_list_init(&list, 0) < 0)
        return tp_fail(err, TP_E_NOMEM, "cannot allocate the trust list");
    if (ca_file == NULL) {
        /* An empty or missing system store is not fatal: the chain is then
         * reported as untrusted, with "no-trust-anchors" saying why. */
        int rc = gnutls_x509_trust_list_add_system_trust(list, 0, 0);
        *anchors = rc > 0 ? (size_t)rc : 0;
        *out = list;
        return TP_OK;
    }

    FILE *f = fopen(ca_file, "rb");
    if (f == NULL) {
        status = tp_fail(err, TP_E_USAGE, "--ca-file '%s': %s", ca_file, strerror(errno));
        goto out;
    }
    fclose(f);
    int rc = gnutls_x509_trust_list_add_trust_file(list, ca_file, NULL, GNUTLS_X509_FMT_PEM, 0, 0);
    if (rc <= 0)
        rc = gnutls_x509_trust_list_add_trust_file(list, ca_file, NULL, GNUTLS_X509_FMT_DER, 0, 0);
    if (rc <= 0) {
        status = tp_fail(err, TP_E_USAGE, "--ca-file '%s': no certificate found (expected PEM or DER)",
                         ca_file);
        goto out;
    }
    *anchors = (size_t)rc;
out:
    if (status != TP_OK)
        gnutls_x509_trust_list_deinit(list, 1);
    else
        *out = list;
    return status;
}

static bool same_key(const char *a, const char *b)
{
    return a == NULL ? b == NULL : b != NULL && strcmp(a, b) == 0;
}

tp_status tls_trust_load(const struct tp_config *cfg, gnutls_x509_trust_list_t *out,
                         size_t *anchors, tp_error *err)
{
    tp_status status = TP_OK;
    pthread_mutex_lock(&trust_mu);
    if (!shared_trust.loaded) {
        char *key = NULL;
        if (cfg->ca_file != NULL && (key = strdup(cfg->ca_file)) == NULL)
            status = tp_fail(err, TP_E_NOMEM, "out of memory");
        if (status == TP_OK)
            status = load_trust(cfg->ca_file, &shared_trust.list, &shared_trust.anchors, err);
        if (status == TP_OK) {
            shared_trust.ca_file = key;
            shared_trust.loaded = true;
        } else {
            free(key);
        }
    }
    bool shared = status == TP_OK && same_key(shared_trust.ca_file, cfg->ca_file);
    if (shared) {
        *out = shared_trust.list;
        *anchors = shared_trust.anchors;
    }
    pthread_mutex_unlock(&trust_mu);
    if (status != TP_OK || shared)
        return status;
    return load_trust(cfg->ca_file, out, anchors, err);
}

void tls_trust_release(gnutls_x509_trust_list_t list)
{
    if (list == NULL)
        return;
    pthread_mutex_lock(&trust_mu);
    bool shared = shared_trust.loaded && list == shared_trust.list;
    pthread_mutex_unlock(&trust_mu);
    if (!shared)
        gnutls_x509_trust_list_deinit(list, 1);
}

void tls_trust_finish(void)
{
    pthread_mutex_lock(&trust_mu);
    if (shared_trust.loaded)
        gnutls_x509_trust_list_deinit(shared_trust.list, 1);
    free(shared_trust.ca_file);
    memset(&shared_trust, 0, sizeof shared_trust);
    pthread_mutex_unlock(&trust_mu);
}

/* gnutls_x509_trust_list_get_issuer() under trust_mu (see above). The
 * issuer points into the list, which lives until tls_trust_finish(). */
static int trust_get_issuer(gnutls_x509_trust_list_t trust, gnutls_x509_crt_t crt,
                            gnutls_x509_crt_t *issuer)
{
    pthread_mutex_lock(&trust_mu);
    int rc = gnutls_x509_trust_list_get_issuer(trust, crt, issuer, 0);
    pthread_mutex_unlock(&trust_mu);
    return rc;
}

tp_status tls_check_ca_file(const struct tp_config *cfg, tp_error *err)
{
    if (cfg->ca_file == NULL)
        return TP_OK;
    gnutls_x509_trust_list_t list = NULL;
    size_t anchors = 0;
    TP_TRY(tls_trust_load(cfg, &list, &anchors, err));
    tls_trust_release(list);
    return TP_OK;
}

/* Status bits of gnutls_certificate_status_t -> our codes, in report order.
 * GNUTLS_CERT_INVALID accompanies every failure; it is reported alone only
 * when no specific bit explains it. */
static const struct {
    unsigned bit;
    const char *code;
    const char *message;
} status_codes[] = {
    {GNUTLS_CERT_REVOKED, "revoked", "a certificate in the chain is revoked"},
    {GNUTLS_CERT_SIGNER_NOT_FOUND, "signer-not-found", NULL /* built by signer_message */},
    {GNUTLS_CERT_SIGNER_NOT_CA, "signer-not-ca",
     "a certificate in the chain was issued by a certificate that is not a CA"},
    {GNUTLS_CERT_INSECURE_ALGORITHM, "insecure-algorithm",
     "the chain uses a signature algorithm or key size that is no longer accepted "
     "(e.g. SHA-1, MD5, or a short RSA key)"},
    {GNUTLS_CERT_NOT_ACTIVATED, "not-yet-valid", NULL /* built by time_message */},
    {GNUTLS_CERT_EXPIRED, "expired", NULL /* built by time_message */},
    {GNUTLS_CERT_SIGNATURE_FAILURE, "invalid-signature",
     "a signature in the chain does not verify"},
    {GNUTLS_CERT_SIGNER_CONSTRAINTS_FAILURE, "signer-constraints",
     "an issuer's constraints (name constraints or path length) are violated"},
    {GNUTLS_CERT_PURPOSE_MISMATCH, "purpose-mismatch",
     "a certificate in the chain is not valid for TLS server authentication"},
    {GNUTLS_CERT_UNKNOWN_CRIT_EXTENSIONS, "unknown-critical-extension",
     "a certificate in the chain has an unknown critical extension"},
    {GNUTLS_CERT_UNEXPECTED_OWNER, "unexpected-owner",
     "the certificate owner is not the expected one"},
    {GNUTLS_CERT_MISMATCH, "mismatch", "the certificate does not match the expected one"},
    {GNUTLS_CERT_REVOCATION_DATA_SUPERSEDED, "revocation-data-superseded",
     "the revocation data is superseded"},
    {GNUTLS_CERT_REVOCATION_DATA_ISSUED_IN_FUTURE, "revocation-data-future",
     "the revocation data was issued in the future"},
    {GNUTLS_CERT_MISSING_OCSP_STATUS, "missing-ocsp-status",
     "the certificate requires an OCSP staple (must-staple) but none was sent"},
    {GNUTLS_CERT_INVALID_OCSP_STATUS, "invalid-ocsp-status",
     "the stapled OCSP response is invalid"},
};

static void format_date(int64_t t, char out[16])
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (gmtime_r(&tt, &tm) == NULL || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "?");
}

static const char *subject_or(const struct tp_cert *cert)
{
    return cert->subject != NULL && cert->subject[0] != '\0' ? cert->subject : "(no subject)";
}

/* The first certificate sent that is outside its validity period. */
static int find_time_problem(const struct tp_report *report, bool expired, int64_t now)
{
    for (size_t i = 0; i < report->n_certs; i++) {
        const struct tp_cert *c = &report->certs[i];
        if (expired && c->not_after != 0 && now > c->not_after)
            return (int)i;
        if (!expired && c->not_before != 0 && now < c->not_before)
            return (int)i;
    }
    return -1;
}

static tp_status time_message(const struct tp_report *report, bool expired, int64_t now,
                              char **out)
{
    int i = find_time_problem(report, expired, now);
    if (i < 0)
        return tp_set_str(out, expired ? "a certificate in the trusted path has expired"
                                       : "a certificate in the trusted path is not yet valid");
    const struct tp_cert *c = &report->certs[i];
    char date[16];
    format_date(expired ? c->not_after : c->not_before, date);
    const char *which = i == 0 ? "the server certificate" : "a chain certificate";
    if (expired)
        return tp_set_strf(out, "%s '%s' expired on %s (%lld days ago)", which, subject_or(c),
                           date, (long long)-c->days_left);
    return tp_set_strf(out, "%s '%s' is not valid before %s", which, subject_or(c), date);
}

/* Follow issuers from the leaf through what was sent, in any order, and
 * return the index of the last certificate reached: a self-signed one, or
 * one whose issuer was not sent. */
static size_t walk_from_leaf(const struct tls_chain *chain, const struct tp_report *report)
{
    size_t cur = 0;
    for (size_t steps = 0; steps < chain->count; steps++) {
        if (report->certs[cur].self_signed)
            break;
        size_t next = chain->count;
        for (size_t j = 0; j < chain->count && next == chain->count; j++)
            if (j != cur && chain->crts[j] != NULL &&
                gnutls_x509_crt_check_issuer(chain->crts[cur], chain->crts[j]))
                next = j;
        if (next == chain->count)
            break;
        cur = next;
    }
    return cur;
}

/* Is the issuer of crt (crt itself, when self-signed) a trust anchor? */
static bool issuer_trusted(gnutls_x509_trust_list_t trust, gnutls_x509_crt_t crt)
{
    gnutls_x509_crt_t issuer = NULL; /* points into the list: not freed */
    return trust_get_issuer(trust, crt, &issuer) >= 0;
}

struct path_end {
    gnutls_x509_trust_list_t trust;
    const struct tls_chain *chain;
    size_t end; /* walk_from_leaf() */
};

static tp_status signer_message(const struct tp_report *report, const struct path_end *path,
                                char **out)
{
    const char *store = report->verification.trust_store;
    const struct tp_cert *top = &report->certs[path->end];
    if (top->self_signed && !issuer_trusted(path->trust, path->chain->crts[path->end]))
        return path->end == 0
                   ? tp_set_strf(out, "the self-signed certificate '%s' is not in the trust "
                                      "store (%s)", subject_or(top), store)
                   : tp_set_strf(out, "the chain ends in the self-signed root '%s', which is "
                                      "not in the trust store (%s)", subject_or(top), store);
    return tp_set_strf(out, "no trusted issuer found for '%s', issued by '%s' (trust store: %s)",
                       subject_or(top), top->issuer != NULL ? top->issuer : "(unknown)", store);
}

static tp_status add_status_errors(struct tp_report *report, const struct path_end *path,
                                   unsigned status, int64_t now)
{
    bool explained = false;
    tp_status rc = TP_OK;
    for (size_t i = 0; i < sizeof status_codes / sizeof status_codes[0] && rc == TP_OK; i++) {
        if (!(status & status_codes[i].bit))
            continue;
        explained = true;
        char *message = NULL;
        if (status_codes[i].bit == GNUTLS_CERT_SIGNER_NOT_FOUND)
            rc = signer_message(report, path, &message);
        else if (status_codes[i].bit == GNUTLS_CERT_EXPIRED ||
                 status_codes[i].bit == GNUTLS_CERT_NOT_ACTIVATED)
            rc = time_message(report, status_codes[i].bit == GNUTLS_CERT_EXPIRED, now, &message);
        else
            rc = tp_set_str(&message, status_codes[i].message);
        if (rc == TP_OK)
            rc = tp_report_add_verify_error(report, status_codes[i].code, message);
        free(message);
    }
    if (rc == TP_OK && !explained && (status & GNUTLS_CERT_INVALID))
        rc = tp_report_add_verify_error(report, "invalid", "the chain does not verify");
    return rc;
}

/* GnuTLS stops at the first problem on a path it cannot complete, so an
 * expired self-signed certificate may come back only as signer-not-found.
 * Validity is a fact of each certificate sent: add it ourselves. */
static unsigned own_time_bits(const struct tp_report *report, int64_t now)
{
    unsigned bits = 0;
    if (find_time_problem(report, true, now) >= 0)
        bits |= GNUTLS_CERT_EXPIRED | GNUTLS_CERT_INVALID;
    if (find_time_problem(report, false, now) >= 0)
        bits |= GNUTLS_CERT_NOT_ACTIVATED | GNUTLS_CERT_INVALID;
    return bits;
}

/* The imported certificates, in order, malformed ones left out. */
static size_t usable_chain(const struct tls_chain *chain, gnutls_x509_crt_t *list)
{
    size_t n = 0;
    for (size_t i = 0; i < chain->count; i++)
        if (chain->crts[i] != NULL)
            list[n++] = chain->crts[i];
    return n;
}

static tp_status check_trust(const struct path_end *path, int64_t now,
                             struct tp_report *report)
{
    const struct tls_chain *chain = path->chain;
    struct tp_verification *v = &report->verification;
    gnutls_x509_crt_t *list = calloc(chain->count, sizeof *list);
    if (list == NULL)
        return TP_E_NOMEM;
    size_t n = usable_chain(chain, list);
    unsigned status = GNUTLS_CERT_INVALID;
    /* Default flags: the chain may be unsorted (GnuTLS sorts it) and the
     * default verification profile rejects weak algorithms and keys. */
    pthread_mutex_lock(&trust_mu);
    int rc = gnutls_x509_trust_list_verify_crt2(path->trust, list, (unsigned)n, NULL, 0, 0, &status,
                                                NULL);
    pthread_mutex_unlock(&trust_mu);
    free(list);
    if (rc < 0)
        status = GNUTLS_CERT_INVALID;
    v->trusted = status == 0 ? TP_TRI_YES : TP_TRI_NO;
    return add_status_errors(report, path, status | own_time_bits(report, now), now);
}

static tp_status check_hostname(gnutls_x509_crt_t leaf, const char *name,
                                struct tp_report *report)
{
    struct tp_verification *v = &report->verification;
    if (name == NULL || name[0] == '\0')
        return TP_OK;
    /* RFC 6125 Sec. 6: DNS-ID first, wildcard only as the whole left-most
     * label; an IP literal is matched against iPAddress SANs. */
    if (gnutls_x509_crt_check_hostname2(leaf, name, 0)) {
        v->hostname_match = TP_TRI_YES;
        return TP_OK;
    }
    v->hostname_match = TP_TRI_NO;
    const struct tp_cert *c = &report->certs[0];
    char names[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < c->san.count && used < sizeof names - 1; i++) {
        int w = snprintf(names + used, sizeof names - used, "%s%s", i ? ", " : "",
                         c->san.items[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used >= sizeof names - 1)
        snprintf(names + sizeof names - 5, 5, "...");
    char *message = NULL;
    tp_status status =
        c->san.count > 0
            ? tp_set_strf(&message, "the certificate is not valid for '%s' (it names %s)", name,
                          names)
            : tp_set_strf(&message, "the certificate is not valid for '%s' (no subjectAltName; "
                                    "subject '%s')", name, subject_or(c));
    if (status == TP_OK)
        status = tp_report_add_verify_error(report, "hostname-mismatch", message);
    free(message);
    return status;
}

/* RFC 5246 Sec. 7.4.2 / RFC 8446 Sec. 4.4.2: each certificate should
 * certify the one before it. */
static tp_status check_order(const struct tls_chain *chain, struct tp_report *report)
{
    struct tp_verification *v = &report->verification;
    v->chain_ordered = TP_TRI_YES;
    for (size_t i = 0; i + 1 < chain->count; i++) {
        if (chain->crts[i] == NULL || chain->crts[i + 1] == NULL) {
            v->chain_ordered = TP_TRI_UNKNOWN;
            continue;
        }
        if (gnutls_x509_crt_check_issuer(chain->crts[i], chain->crts[i + 1]))
            continue;
        v->chain_ordered = TP_TRI_NO;
        char *message = NULL;
        tp_status status = tp_set_strf(
            &message, "certificate #%zu ('%s') is not the issuer of certificate #%zu ('%s')",
            i + 2, subject_or(&report->certs[i + 1]), i + 1, subject_or(&report->certs[i]));
        if (status == TP_OK)
            status = tp_report_add_verify_error(report, "chain-order", message);
        free(message);
        return status;
    }
    return TP_OK;
}

/* The chain is complete when the path from the leaf through what was sent
 * ends at a self-signed certificate or at one whose issuer is a trust
 * anchor; it is incomplete when that last certificate names an issuer that
 * is neither sent nor trusted (a missing intermediate, RFC 8446 Sec.
 * 4.4.2). A path that verified is complete by definition. */
static tp_status check_complete(const struct path_end *path, struct tp_report *report)
{
    struct tp_verification *v = &report->verification;
    const struct tp_cert *c = &report->certs[path->end];
    if (v->trusted == TP_TRI_YES || c->self_signed ||
        issuer_trusted(path->trust, path->chain->crts[path->end])) {
        v->chain_complete = TP_TRI_YES;
        return TP_OK;
    }
    v->chain_complete = TP_TRI_NO;
    char *message = NULL;
    tp_status status = tp_set_strf(
        &message, "the issuer '%s' of '%s' was neither sent by the server nor found in the "
                  "trust store (a missing intermediate certificate, or an unknown root)",
        c->issuer != NULL ? c->issuer : "(unknown)", subject_or(c));
    if (status == TP_OK)
        status = tp_report_add_verify_error(report, "chain-incomplete", message);
    free(message);
    return status;
}

static tp_status report_malformed(const struct tls_chain *chain, struct tp_report *report)
{
    for (size_t i = 0; i < chain->count; i++) {
        if (chain->crts[i] != NULL)
            continue;
        char *message = NULL;
        tp_status status =
            tp_set_strf(&message, "certificate #%zu (sha256 %s) could not be parsed", i + 1,
                        report->certs[i].sha256[0] ? report->certs[i].sha256 : "?");
        if (status == TP_OK)
            status = tp_report_add_verify_error(report, "malformed-certificate", message);
        free(message);
        TP_TRY(status);
    }
    return TP_OK;
}

tp_status tls_verify_report(const struct tls_chain *chain, gnutls_x509_trust_list_t trust,
                            size_t anchors, const struct tp_config *cfg, const char *name,
                            int64_t now, struct tp_report *report)
{
    struct tp_verification *v = &report->verification;
    TP_TRY(tp_set_str(&v->trust_store, cfg->ca_file != NULL ? cfg->ca_file : "system"));
    if (chain->count == 0 || report->n_certs != chain->count) {
        v->trusted = TP_TRI_NO;
        return tp_report_add_verify_error(report, "no-certificate",
                                          "the server sent no certificate");
    }
    TP_TRY(report_malformed(chain, report));
    if (anchors == 0)
        TP_TRY(tp_report_add_verify_error(report, "no-trust-anchors",
                                          "the system trust store is empty or unreadable"));
    if (chain->crts[0] == NULL) {
        v->trusted = TP_TRI_NO; /* an unparsable leaf cannot be validated */
        return TP_OK;
    }
    struct path_end path = {.trust = trust, .chain = chain, .end = walk_from_leaf(chain, report)};
    TP_TRY(check_trust(&path, now, report));
    TP_TRY(check_hostname(chain->crts[0], name, report));
    if (report->certs[0].self_signed && v->trusted != TP_TRI_YES)
        TP_TRY(tp_report_add_verify_error(report, "self-signed",
                                          "the server certificate is self-signed and not "
                                          "trusted"));
    TP_TRY(check_order(chain, report));
    return check_complete(&path, report);
}

gnutls_x509_crt_t tls_leaf_issuer(const struct tls_chain *chain,
                                  gnutls_x509_trust_list_t trust)
{
    if (chain->count == 0 || chain->crts[0] == NULL)
        return NULL;
    for (size_t i = 1; i < chain->count; i++)
        if (chain->crts[i] != NULL && gnutls_x509_crt_check_issuer(chain->crts[0], chain->crts[i]))
            return chain->crts[i];
    gnutls_x509_crt_t issuer = NULL; /* points into the list */
    if (trust != NULL && trust_get_issuer(trust, chain->crts[0], &issuer) >= 0)
        return issuer;
    return NULL;
}

tp_status tls_verify_note_revoked(struct tp_report *report)
{
    struct tp_verification *v = &report->verification;
    v->trusted = TP_TRI_NO;
    for (size_t i = 0; i < v->n_errors; i++)
        if (strcmp(v->errors[i].code, "revoked") == 0)
            return TP_OK;
    return tp_report_add_verify_error(report, "revoked",
                                      "the stapled OCSP response says the server certificate "
                                      "is revoked");
}
