/* vuln_tls.c: GnuTLS pieces of the vulnerability checks (vuln_tls.h). */
#include "tls/vuln_tls.h"
#include "tls/tls_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire/alert.h"

#include "util/banned.h"

/* Copy a GnuTLS big integer without its leading zero bytes. */
static tp_status copy_unsigned(const gnutls_datum_t *d, uint8_t **out, size_t *len)
{
    size_t skip = 0;
    while (skip < d->size && d->data[skip] == 0)
        skip++;
    *len = d->size - skip;
    *out = malloc(*len > 0 ? *len : 1);
    if (*out == NULL)
        return TP_E_NOMEM;
    if (*len > 0)
        memcpy(*out, d->data + skip, *len);
    return TP_OK;
}

tp_status tls_rsa_public_key(const uint8_t *der, size_t len, uint8_t **n, size_t *n_len,
                             uint8_t **e, size_t *e_len, tp_error *err)
{
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t m = {NULL, 0}, x = {NULL, 0};
    gnutls_datum_t in = {(unsigned char *)(uintptr_t)der, (unsigned)len};
    tp_status status = TP_OK;
    *n = *e = NULL;
    if (len > UINT32_MAX || gnutls_x509_crt_init(&crt) < 0)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (gnutls_x509_crt_import(crt, &in, GNUTLS_X509_FMT_DER) < 0) {
        status = tp_fail(err, TP_E_PARSE, "the server's certificate does not parse");
        goto out;
    }
    if (gnutls_x509_crt_get_pk_algorithm(crt, NULL) != GNUTLS_PK_RSA ||
        gnutls_x509_crt_get_pk_rsa_raw(crt, &m, &x) < 0) {
        status = tp_fail(err, TP_E_PARSE, "the server's certificate holds no RSA key");
        goto out;
    }
    if ((status = copy_unsigned(&m, n, n_len)) != TP_OK ||
        (status = copy_unsigned(&x, e, e_len)) != TP_OK) {
        free(*n);
        free(*e);
        *n = *e = NULL;
        tp_fail(err, status, "out of memory");
    }
out:
    gnutls_free(m.data);
    gnutls_free(x.data);
    gnutls_x509_crt_deinit(crt);
    return status;
}

/* Run the handshake until done, an error or the transport's deadline. */
static int handshake(gnutls_session_t session)
{
    int rc;
    do {
        rc = gnutls_handshake(session);
    } while (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED);
    return rc;
}

static void refused(struct tls_reneg_result *out, gnutls_session_t session, int rc,
                    const struct tls_transport *t, uint32_t wait_ms)
{
    out->outcome = TLS_RENEG_REFUSED;
    if (rc == GNUTLS_E_WARNING_ALERT_RECEIVED || rc == GNUTLS_E_FATAL_ALERT_RECEIVED) {
        gnutls_alert_description_t a = gnutls_alert_get(session);
        const char *name = tp_alert_name((uint8_t)a);
        snprintf(out->why, sizeof out->why, "the server answered our renegotiation with %s "
                 "alert %s (%d)", rc == GNUTLS_E_WARNING_ALERT_RECEIVED ? "a warning" : "a fatal",
                 name != NULL ? name : "unassigned", (int)a);
    } else if (t->timed_out) {
        out->ignored = true;
        snprintf(out->why, sizeof out->why,
                 "the server did not answer our renegotiation within %u ms", wait_ms);
    } else {
        snprintf(out->why, sizeof out->why, "the renegotiation failed: %s",
                 gnutls_strerror(rc));
    }
}

void tls_try_renegotiation(int fd, const struct tp_config *cfg, const char *sni,
                           tp_deadline deadline, uint32_t wait_ms, struct tls_reneg_result *out)
{
    gnutls_session_t session = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    struct tls_transport t;
    int rc;
    memset(out, 0, sizeof *out);
    (void)cfg;
    tls_transport_init(&t, fd, deadline, NULL);
    if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
        gnutls_init(&session, GNUTLS_CLIENT) < 0) {
        snprintf(out->why, sizeof out->why, "out of memory");
        goto out;
    }
    /* %UNSAFE_RENEGOTIATION: renegotiate with a server lacking RFC 5746
     * too (GnuTLS manual, "Priority Strings"); the offer still carries
     * renegotiation_info, so secure servers renegotiate securely. */
    if ((rc = gnutls_priority_set_direct(session, "NORMAL:-VERS-TLS1.3:%UNSAFE_RENEGOTIATION",
                                         NULL)) < 0 ||
        (rc = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred)) < 0 ||
        (sni != NULL &&
         (rc = gnutls_server_name_set(session, GNUTLS_NAME_DNS, sni, strlen(sni))) < 0)) {
        snprintf(out->why, sizeof out->why, "GnuTLS: %s", gnutls_strerror(rc));
        goto out;
    }
    tls_transport_attach(&t, session);
    rc = handshake(session);
    if (rc == GNUTLS_E_FATAL_ALERT_RECEIVED &&
        gnutls_alert_get(session) == GNUTLS_A_PROTOCOL_VERSION) {
        out->outcome = TLS_RENEG_NO_TLS12;
        snprintf(out->why, sizeof out->why, "TLS 1.2 and earlier refused (protocol_version)");
        goto out;
    }
    if (rc < 0) {
        snprintf(out->why, sizeof out->why, "the TLS 1.2 handshake failed: %s%s",
                 gnutls_strerror(rc), t.timed_out ? " (time-out)" : "");
        goto out;
    }
    out->secure = gnutls_safe_renegotiation_status(session) != 0;
    t.deadline = tp_deadline_min_ms(deadline, wait_ms);
    t.timed_out = false;
    rc = handshake(session);
    if (rc == 0) {
        out->outcome = TLS_RENEG_ACCEPTED;
        snprintf(out->why, sizeof out->why,
                 "the server completed a renegotiation we started (%s RFC 5746)",
                 out->secure ? "with" : "without");
    } else {
        refused(out, session, rc, &t, wait_ms);
    }
out:
    if (session != NULL)
        gnutls_deinit(session);
    if (cred != NULL)
        gnutls_certificate_free_credentials(cred);
}

void tls_try_early_data(int fd, const struct tp_config *cfg, const char *sni,
                        tp_deadline deadline, const uint8_t *state, size_t state_len,
                        const uint8_t *data, size_t n, struct tls_early_result *out)
{
    gnutls_session_t session = NULL;
    gnutls_certificate_credentials_t cred = NULL;
    struct tls_transport t;
    gnutls_datum_t st = {(unsigned char *)(uintptr_t)state, (unsigned)state_len};
    int rc;
    (void)cfg;
    memset(out, 0, sizeof *out);
    tls_transport_init(&t, fd, deadline, NULL);
    if (state_len > UINT32_MAX || gnutls_certificate_allocate_credentials(&cred) < 0 ||
        gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_ENABLE_EARLY_DATA) < 0) {
        snprintf(out->why, sizeof out->why, "out of memory");
        goto out;
    }
    if ((rc = gnutls_priority_set_direct(session, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL)) < 0 ||
        (rc = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred)) < 0 ||
        (sni != NULL &&
         (rc = gnutls_server_name_set(session, GNUTLS_NAME_DNS, sni, strlen(sni))) < 0) ||
        (rc = gnutls_session_set_data(session, st.data, st.size)) < 0) {
        snprintf(out->why, sizeof out->why, "GnuTLS: %s", gnutls_strerror(rc));
        goto out;
    }
    tls_transport_attach(&t, session);
    if ((rc = (int)gnutls_record_send_early_data(session, data, n)) < 0) {
        snprintf(out->why, sizeof out->why, "no early data with this ticket: %s",
                 gnutls_strerror(rc));
        out->outcome = TLS_EARLY_REJECTED;
        goto out;
    }
    rc = handshake(session);
    if (rc < 0) {
        snprintf(out->why, sizeof out->why, "the resumption failed: %s%s", gnutls_strerror(rc),
                 t.timed_out ? " (time-out)" : "");
        goto out;
    }
    if (!gnutls_session_is_resumed(session)) {
        out->outcome = TLS_EARLY_NOT_RESUMED;
        snprintf(out->why, sizeof out->why, "the server did not resume with its ticket");
    } else if (gnutls_session_get_flags(session) & GNUTLS_SFLAGS_EARLY_DATA) {
        out->outcome = TLS_EARLY_ACCEPTED;
        snprintf(out->why, sizeof out->why, "the server accepted %zu bytes of 0-RTT data", n);
    } else {
        out->outcome = TLS_EARLY_REJECTED;
        snprintf(out->why, sizeof out->why, "the server resumed but declined the 0-RTT data");
    }
out:
    if (session != NULL)
        gnutls_deinit(session);
    if (cred != NULL)
        gnutls_certificate_free_credentials(cred);
}
