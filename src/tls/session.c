/* session.c: one client handshake with GnuTLS, reported.
 *
 * The offer is a broad one on purpose: a modern client's suites and groups
 * plus TLS 1.0/1.1, and Diffie-Hellman primes down to 512 bits, so that a
 * legacy server completes the handshake and can be diagnosed instead of
 * merely failing. Certificates are not verified during the handshake; a
 * bad chain is a finding, verified afterwards (verify.c). */
#include "tls/tls_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <gnutls/abstract.h>
#include <gnutls/dtls.h>

#include "wire/registry.h"
#include "wire/serverhello.h"
#include "util/banned.h"

/* The default offer (GnuTLS priority syntax). NORMAL already carries TLS
 * 1.3 and 1.2; 1.1 and 1.0 are added back so old servers are reachable. */
#define DEFAULT_PRIORITY "NORMAL:+VERS-TLS1.3:+VERS-TLS1.2:+VERS-TLS1.1:+VERS-TLS1.0"
/* --dtls: DTLS 1.2 and 1.0 (GnuTLS 3.7 has no DTLS 1.3), and the CCM_8
 * suites that RFC 7925 Sec. 4.2 and 4.4 make mandatory for constrained
 * devices, which NORMAL leaves out. */
#define DTLS_PRIORITY \
    "NORMAL:-VERS-ALL:+VERS-DTLS1.2:+VERS-DTLS1.0:+AES-128-CCM-8:+AES-256-CCM-8"
/* Without a PSK: a raw public key (RFC 7250) is accepted beside X.509
 * (server_certificate_type, RFC 7925 Sec. 4.3). Not with one: gnutls-serv
 * holding only a PSK drops hellos that carry the extension. */
#define DTLS_CTYPES ":+CTYPE-SRV-X509:+CTYPE-SRV-RAWPK"
/* --dtls with a PSK: its key exchanges only, as CoAP clients offer in
 * PSK mode (RFC 7925 Sec. 4.2). A PSK-only libcoap server built on GnuTLS
 * aborts on the first certificate suite it cannot serve instead of
 * skipping it, so offering those too would lose the handshake. */
#define DTLS_PSK_KX ":-KX-ALL"
/* RFC 6347 Sec. 4.2.4.1: "an initial timer value of 1 second", doubled
 * on each retransmission (GnuTLS does the doubling). */
#define DTLS_RETRANS_MS 1000u
/* Smallest DH prime accepted: Logjam-era 512-bit groups still complete, so
 * the grader can flag them (RFC 7919 Sec. 1 on weak groups). */
#define MIN_DH_PRIME_BITS 512u
/* TLS 1.3 NewSessionTicket follows the handshake (RFC 8446 Sec. 4.6.1);
 * servers send it at once, so a short wait suffices. */
/* The least time to wait for TLS 1.3 tickets after the handshake. A server
 * sends them at most about one round trip after our Finished (OpenSSL after
 * reading it), and the handshake itself took about one round trip, so the
 * wait is the larger of this floor and twice the handshake time: on a
 * 1.6 s NB-IoT round trip a fixed 300 ms would always miss the ticket. */
#define TICKET_WAIT_MIN_MS 300u
/* Bound on sending close_notify after a completed handshake. */
#define BYE_WAIT_MS 100u
#define ALPN_MAX 32u

struct hs_ctx {
    struct tp_report *report;
    const struct tls_client_cert *client_cert; /* --cert, n_pcerts 0 without */
    uint16_t server_suite; /* from the ServerHello (on_server_hello), 0 before */
    tp_status cb_status; /* an allocation failure inside a GnuTLS callback */
};

tp_status tls_global_init(tp_error *err)
{
    if (gnutls_check_version("3.7.0") == NULL)
        return tp_fail(err, TP_E_INTERNAL, "GnuTLS %s is older than 3.7.0",
                       gnutls_check_version(NULL));
    int rc = gnutls_global_init();
    if (rc < 0)
        return tp_fail(err, TP_E_INTERNAL, "cannot initialise GnuTLS: %s", gnutls_strerror(rc));
    return TP_OK;
}

void tls_global_finish(void)
{
    tls_trust_finish();
    gnutls_global_deinit();
}

/* ---- the offer ------------------------------------------------------ */

static const struct {
    uint16_t version;
    const char *keyword;
} version_keywords[] = {
    {TP_VER_SSL3, "VERS-SSL3.0"},  {TP_VER_TLS10, "VERS-TLS1.0"},
    {TP_VER_TLS11, "VERS-TLS1.1"}, {TP_VER_TLS12, "VERS-TLS1.2"},
    {TP_VER_TLS13, "VERS-TLS1.3"},
};

/* "NORMAL:-VERS-ALL:+VERS-..." for the --tls-min..--tls-max range. */
static tp_status version_priority(const struct tp_config *cfg, char *out, size_t size,
                                  tp_error *err)
{
    uint16_t lo = cfg->tls_min != 0 ? cfg->tls_min : TP_VER_TLS10;
    uint16_t hi = cfg->tls_max != 0 ? cfg->tls_max : TP_VER_TLS13;
    size_t used = (size_t)snprintf(out, size, "NORMAL:-VERS-ALL");
    size_t added = 0;
    for (size_t i = 0; i < sizeof version_keywords / sizeof version_keywords[0]; i++) {
        uint16_t v = version_keywords[i].version;
        if (v < lo || v > hi)
            continue;
        if (v == TP_VER_SSL3) {
            /* This GnuTLS may be built without SSL 3.0 (RFC 7568 deprecates it). */
            if (gnutls_protocol_get_id("SSL3.0") == GNUTLS_VERSION_UNKNOWN)
                return tp_fail(err, TP_E_USAGE,
                               "this GnuTLS build cannot offer SSLv3; use --tls-min 1.0 or "
                               "higher");
        }
        used += (size_t)snprintf(out + used, size - used, ":+%s", version_keywords[i].keyword);
        added++;
    }
    if (added == 0 || used >= size)
        return tp_fail(err, TP_E_USAGE, "no protocol version between %s and %s can be offered",
                       tp_version_name(lo) ? tp_version_name(lo) : "?",
                       tp_version_name(hi) ? tp_version_name(hi) : "?");
    return TP_OK;
}

/* Priority keywords that leave parts of the offer out (GnuTLS manual,
 * "Priority strings"). */
static const struct {
    uint32_t part;
    const char *keyword;
} omit_keywords[] = {
    {TP_OFFER_EXTENDED_MASTER_SECRET, ":%NO_SESSION_HASH"},
    {TP_OFFER_ENCRYPT_THEN_MAC, ":%NO_ETM"},
    {TP_OFFER_RENEGOTIATION_INFO, ":%DISABLE_SAFE_RENEGOTIATION"},
    {TP_OFFER_SUPPORTED_VERSIONS, ":-VERS-TLS1.3"},
};

/* Whether cfg's version range holds both TLS 1.2 and TLS 1.3, so that the
 * TLS 1.3 offer can be left out and TLS 1.2 still offered. */
static bool range_has_12_and_13(const struct tp_config *cfg)
{
    return cfg->priority == NULL && !cfg->dtls && (cfg->tls_max == 0 || cfg->tls_max >= TP_VER_TLS13) &&
           (cfg->tls_min == 0 || cfg->tls_min <= TP_VER_TLS12);
}

uint32_t tls_offer_parts(const struct tp_config *cfg)
{
    uint32_t parts = TP_OFFER_EXTENDED_MASTER_SECRET | TP_OFFER_STATUS_REQUEST |
                     TP_OFFER_SESSION_TICKET | TP_OFFER_ENCRYPT_THEN_MAC |
                     TP_OFFER_RENEGOTIATION_INFO;
    if (cfg->alpn != NULL && cfg->alpn[0] != '\0')
        parts |= TP_OFFER_ALPN;
    if (range_has_12_and_13(cfg))
        parts |= TP_OFFER_SUPPORTED_VERSIONS;
    return parts;
}

/* The offer: --priority, else the version range, else the default (with
 * a PSK's key exchanges); then the keywords that leave the omit parts out
 * (run/diagnose.c), then restrict_to (NULL or ":-SIGN-ALL:+SIGN-...")
 * appended, which narrows any of them (tls/others.c asks for one key
 * type's certificate that way). */
static tp_status make_priority(const struct tp_config *cfg, uint32_t omit,
                               const char *restrict_to, gnutls_priority_t *prio, tp_error *err)
{
    char buf[320];
    const char *base = buf;
    if (cfg->priority != NULL) {
        base = cfg->priority; /* the user's offer, as given */
    } else {
        if (cfg->dtls)
            snprintf(buf, sizeof buf, "%s%s", DTLS_PRIORITY,
                     tls_psk_configured(cfg) ? DTLS_PSK_KX : DTLS_CTYPES);
        else if (cfg->tls_min != 0 || cfg->tls_max != 0)
            TP_TRY(version_priority(cfg, buf, sizeof buf, err));
        else
            snprintf(buf, sizeof buf, "%s", DEFAULT_PRIORITY);
        /* With a PSK: its key exchanges too (psk_session.c). */
        size_t used = strlen(buf);
        snprintf(buf + used, sizeof buf - used, "%s", tls_psk_priority_suffix(cfg));
    }
    char omitted[256] = "";
    size_t used = 0;
    for (size_t i = 0; i < sizeof omit_keywords / sizeof omit_keywords[0]; i++)
        if ((omit & omit_keywords[i].part) && used < sizeof omitted)
            used += (size_t)snprintf(omitted + used, sizeof omitted - used, "%s",
                                     omit_keywords[i].keyword);
    char *text = NULL;
    if (asprintf(&text, "%s%s%s", base, omitted, restrict_to != NULL ? restrict_to : "") < 0)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    const char *err_pos = NULL;
    int rc = gnutls_priority_init(prio, text, &err_pos);
    tp_status status = TP_OK;
    if (rc < 0) {
        *prio = NULL;
        const char *what = cfg->priority != NULL ? "--priority" : "the TLS offer";
        if (rc == GNUTLS_E_INVALID_REQUEST && err_pos != NULL && err_pos >= text &&
            err_pos <= text + strlen(text))
            status = tp_fail(err, TP_E_USAGE,
                             "%s: invalid priority string at offset %zu ('%.40s')", what,
                             (size_t)(err_pos - text), err_pos);
        else
            status = tp_fail(err, TP_E_USAGE, "%s '%s' rejected: %s", what, text,
                             gnutls_strerror(rc));
    }
    free(text);
    return status;
}

/* RFC 7301 Sec. 3.1: a list of non-empty protocol names of at most 255
 * bytes each. The cli checked the syntax; this only splits it. */
static tp_status set_alpn(gnutls_session_t session, const char *list, tp_error *err)
{
    if (list == NULL || list[0] == '\0')
        return TP_OK;
    gnutls_datum_t protos[ALPN_MAX];
    unsigned n = 0;
    const char *p = list;
    while (*p != '\0') {
        const char *end = strchr(p, ',');
        size_t len = end != NULL ? (size_t)(end - p) : strlen(p);
        if (len == 0 || len > 255 || n == ALPN_MAX)
            return tp_fail(err, TP_E_USAGE, "--alpn: invalid list '%s'", list);
        protos[n].data = (unsigned char *)(uintptr_t)p;
        protos[n].size = (unsigned)len;
        n++;
        p += len;
        if (*p == ',')
            p++;
    }
    int rc = gnutls_alpn_set_protocols(session, protos, n, 0);
    if (rc < 0)
        return tp_fail(err, TP_E_USAGE, "--alpn '%s': %s", list, gnutls_strerror(rc));
    return TP_OK;
}

/* A DER Name from a CertificateRequest (RFC 5246 Sec. 7.4.4,
 * RFC 8446 Sec. 4.2.4) as an RFC 4514 string. */
static tp_status push_ca_name(struct tp_strlist *list, const gnutls_datum_t *der)
{
    gnutls_x509_dn_t dn = NULL;
    gnutls_datum_t str = {NULL, 0};
    tp_status status;
    if (gnutls_x509_dn_init(&dn) < 0)
        return TP_E_NOMEM;
    if (gnutls_x509_dn_import(dn, der) >= 0 && gnutls_x509_dn_get_str2(dn, &str, 0) >= 0) {
        char *text = strndup((const char *)str.data, str.size);
        status = text != NULL ? tp_strlist_push(list, text) : TP_E_NOMEM;
        free(text);
    } else {
        status = tp_strlist_push(list, "(unparsable name)");
    }
    gnutls_free(str.data);
    gnutls_x509_dn_deinit(dn);
    return status;
}

/* GnuTLS calls this when the server sends a CertificateRequest. We record
 * the request and the acceptable CA names, and present the --cert chain,
 * or none: the server then decides whether to continue (RFC 8446 Sec.
 * 4.4.2.4). The chain is offered whatever CA names the server listed, as
 * curl and openssl s_client do: the server's verdict is what we report. */
static int on_cert_request(gnutls_session_t session, const gnutls_datum_t *req_ca_dn,
                           int nreqs, const gnutls_pk_algorithm_t *algos, int n_algos,
                           gnutls_pcert_st **pcert, unsigned int *pcert_length,
                           gnutls_privkey_t *key)
{
    struct hs_ctx *ctx = gnutls_session_get_ptr(session);
    struct tp_handshake *hs = &ctx->report->handshake;
    const struct tls_client_cert *cc = ctx->client_cert;
    *pcert = cc->n_pcerts > 0 ? cc->pcerts : NULL;
    *pcert_length = cc->n_pcerts;
    *key = cc->n_pcerts > 0 ? cc->key : NULL;
    hs->client_cert_requested = TP_TRI_YES;
    hs->client_cert_sent = cc->n_pcerts > 0 ? TP_TRI_YES : TP_TRI_NO;
    tp_strlist_finish(&hs->client_ca_names);
    for (int i = 0; i < nreqs && ctx->cb_status == TP_OK; i++)
        ctx->cb_status = push_ca_name(&hs->client_ca_names, &req_ca_dn[i]);
    return 0;
}

/* The ServerHello as it arrived. In TLS 1.2 GnuTLS exposes the suite only
 * once it is in use (after ChangeCipherSpec), so a server that aborts
 * before that (mutual TLS without --cert) would leave the report without
 * the suite it chose: keep it from the message itself. */
static int on_server_hello(gnutls_session_t session, unsigned htype, unsigned when,
                           unsigned incoming, const gnutls_datum_t *msg)
{
    (void)htype;
    (void)when;
    struct hs_ctx *ctx = gnutls_session_get_ptr(session);
    tp_server_hello sh;
    tp_error ignored = {0};
    if (incoming && msg != NULL && tp_sh_parse(msg->data, msg->size, &sh, &ignored) == TP_OK &&
        !sh.is_hrr)
        ctx->server_suite = sh.cipher_suite;
    return 0;
}

/* gnutls_init flags for what omit leaves out. GnuTLS 3.7 has no
 * GNUTLS_NO_STATUS_REQUEST (3.8 has): there GNUTLS_NO_EXTENSIONS drops
 * exactly status_request and extended_master_secret. */
static unsigned init_flags(const struct tp_config *cfg, uint32_t omit)
{
    unsigned flags = GNUTLS_CLIENT;
    /* Non-blocking, as DTLS clients such as libcoap run it: in blocking
     * mode GnuTLS 3.7 spends some 50 ms between the records of a flight
     * (a 4-flight handshake took 200 ms on loopback, against 8 ms). */
    if (cfg->dtls)
        flags |= GNUTLS_DATAGRAM | GNUTLS_NONBLOCK | GNUTLS_ENABLE_RAWPK;
    if (omit & TP_OFFER_STATUS_REQUEST)
        flags |= GNUTLS_NO_EXTENSIONS;
    if (omit & TP_OFFER_SESSION_TICKET)
        flags |= GNUTLS_NO_TICKETS;
    return flags;
}

/* The retransmission timer starts at DTLS_RETRANS_MS; the total is the
 * whole run's bound, which our transport enforces anyway (GnuTLS's own
 * default of 60 s would outlive a short --timeout, or cut a long one). */
static void set_dtls_timers(gnutls_session_t session, const struct tp_config *cfg)
{
    gnutls_dtls_set_mtu(session, cfg->mtu != 0 ? cfg->mtu : TP_DEFAULT_DTLS_MTU);
    gnutls_dtls_set_timeouts(session, DTLS_RETRANS_MS, cfg->timeout_ms);
}

static tp_status make_session(const struct tp_config *cfg, const char *sni, uint32_t omit,
                              gnutls_priority_t prio, gnutls_certificate_credentials_t cred,
                              struct hs_ctx *ctx, gnutls_session_t *out, tp_error *err)
{
    gnutls_session_t session = NULL;
    tp_status status = TP_OK;
    int rc;
    if (gnutls_init(&session, init_flags(cfg, omit)) < 0)
        return tp_fail(err, TP_E_NOMEM, "cannot create a TLS session");
    gnutls_session_set_ptr(session, ctx);
    gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_SERVER_HELLO, GNUTLS_HOOK_POST,
                                       on_server_hello);
    if ((rc = gnutls_priority_set(session, prio)) < 0 ||
        (rc = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred)) < 0) {
        status = tp_fail(err, TP_E_INTERNAL, "cannot configure the TLS session: %s",
                         gnutls_strerror(rc));
        goto out;
    }
    /* After the priority: it would reset the minimum (GnuTLS manual). */
    gnutls_dh_set_prime_bits(session, MIN_DH_PRIME_BITS);
    /* Our transport enforces the overall deadline; GnuTLS's own default
     * handshake timeout would cut a long --timeout short. */
    gnutls_handshake_set_timeout(session, 0);
    if (cfg->dtls)
        set_dtls_timers(session, cfg);
    if (sni != NULL && (rc = gnutls_server_name_set(session, GNUTLS_NAME_DNS, sni,
                                                    strlen(sni))) < 0) {
        status = tp_fail(err, TP_E_USAGE, "server name '%s' cannot be sent: %s", sni,
                         gnutls_strerror(rc));
        goto out;
    }
    if (!(omit & TP_OFFER_ALPN))
        status = set_alpn(session, cfg->alpn, err);
out:
    if (status != TP_OK) {
        gnutls_deinit(session);
        session = NULL;
    }
    *out = session;
    return status;
}

/* ---- the exchange --------------------------------------------------- */

/* Run the handshake to completion or failure. Non-fatal returns (a warning
 * alert such as unrecognized_name, RFC 6066 Sec. 3) just continue. */
static int run_handshake(gnutls_session_t session, struct tls_transport *t)
{
    int rc;
    do {
        rc = gnutls_handshake(session);
        /* DTLS (non-blocking): wait for the next datagram, or until GnuTLS
         * is due to retransmit (RFC 6347 Sec. 4.2.4). */
        if (rc == GNUTLS_E_AGAIN && t->dtls != NULL &&
            tls_transport_wait_readable(t, gnutls_dtls_get_timeout(session)) < 0)
            break;
    } while (rc < 0 && !gnutls_error_is_fatal(rc) && !t->timed_out &&
             !tp_deadline_passed(t->deadline));
    return rc;
}

/* Before the ServerHello, GnuTLS's version is only its own default; it
 * means something once a server handshake message has arrived. */
static bool server_hello_seen(gnutls_session_t session)
{
    int last = (int)gnutls_handshake_get_last_in(session);
    return last > (int)GNUTLS_HANDSHAKE_HELLO_REQUEST;
}

/* In TLS 1.3 tickets arrive after the handshake. Read for a short while:
 * a ticket sets the flag; a fatal alert here means the server rejected the
 * handshake after all (e.g. certificate_required, RFC 8446 Sec. 4.4.2.4,
 * which only arrives after our Finished). Returns that alert's error code,
 * or 0. */
static uint64_t ticket_wait_ms(const struct tp_handshake *hs)
{
    uint64_t scaled = 2u * (hs->handshake_us / 1000u);
    return scaled > TICKET_WAIT_MIN_MS ? scaled : TICKET_WAIT_MIN_MS;
}

static int await_tls13_ticket(gnutls_session_t session, struct tls_transport *t,
                              struct tp_handshake *hs)
{
    tp_deadline overall = t->deadline;
    t->deadline = tp_deadline_min_ms(overall, ticket_wait_ms(hs));
    bool full_window = overall.at_ns == 0 || t->deadline.at_ns < overall.at_ns;
    bool closed = false;
    int alert_rc = 0;
    while (!(gnutls_session_get_flags(session) & GNUTLS_SFLAGS_SESSION_TICKET)) {
        unsigned char buf[512];
        ssize_t n = gnutls_record_recv(session, buf, sizeof buf);
        if (n > 0)
            continue; /* application data we did not ask for */
        if (n == 0) {
            closed = true;
            break;
        }
        if (n == GNUTLS_E_FATAL_ALERT_RECEIVED) {
            alert_rc = (int)n;
            break;
        }
        if (gnutls_error_is_fatal((int)n) || t->timed_out || tp_deadline_passed(t->deadline))
            break;
    }
    if (gnutls_session_get_flags(session) & GNUTLS_SFLAGS_SESSION_TICKET)
        hs->session_ticket = TP_TRI_YES;
    else if (closed || (t->timed_out && full_window))
        hs->session_ticket = TP_TRI_NO;
    else
        hs->session_ticket = TP_TRI_UNKNOWN;
    t->deadline = overall;
    t->timed_out = false;
    return alert_rc;
}

static tp_status record_failure(struct tp_report *report, const struct tls_failure *f,
                                tp_error *err)
{
    TP_TRY(tp_report_set_failure(report, TP_STAGE_TLS, f->status, f->message));
    if (f->alert >= 0) {
        report->failure.alert = f->alert;
        TP_TRY(tp_set_str(&report->failure.alert_name, f->alert_name));
    }
    return tp_fail(err, f->status, "%s", f->message);
}

/* The name the certificate must match: an explicit --sni is the identity
 * the user asked about; otherwise the host as given (RFC 6125 Sec. 6). */
static const char *reference_name(const struct tp_config *cfg)
{
    return cfg->sni != NULL && !cfg->no_sni ? cfg->sni : cfg->host;
}

/* Describe and verify whatever certificates the server sent, also after a
 * failed handshake (e.g. a server that then demanded a client
 * certificate). */
static tp_status report_chain(gnutls_session_t session, gnutls_x509_trust_list_t trust,
                              size_t anchors, const struct tp_config *cfg, bool completed,
                              struct tls_chain *chain, struct tp_report *report)
{
    unsigned n = 0;
    const gnutls_datum_t *peers = gnutls_certificate_get_peers(session, &n);
    if (peers == NULL)
        n = 0;
    if (n == 0 && !completed)
        return TP_OK; /* failed before the Certificate message: nothing known */
    int64_t now = tp_wall_seconds();
    TP_TRY(tls_chain_load(peers, n, now, chain, report));
    return tls_verify_report(chain, trust, anchors, cfg, reference_name(cfg), now, report);
}

/* Everything one handshake holds; released by run_finish(). */
struct tls_run {
    const struct tp_config *cfg;
    struct tp_report *report;
    struct hs_ctx ctx;
    gnutls_x509_trust_list_t trust;
    size_t anchors;
    gnutls_priority_t prio;
    gnutls_certificate_credentials_t cred;
    struct tls_client_cert client_cert;
    gnutls_psk_client_credentials_t psk_cred; /* NULL without --psk-key */
    gnutls_session_t session;
    struct tls_chain chain;
    struct tls_transport t;
    struct tls_resume *resume;    /* NULL: no resumption asked for */
    const char *restrict_to;      /* appended to the offer, or NULL */
    uint32_t omit;                /* TP_OFFER_* parts left out of the offer */
    bool bye_sent;                /* close_notify is out (before the ticket read) */
};

static tp_status run_setup(struct tls_run *run, const char *sni, tp_error *err)
{
    TP_TRY(tls_trust_load(run->cfg, &run->trust, &run->anchors, err));
    TP_TRY(make_priority(run->cfg, run->omit, run->restrict_to, &run->prio, err));
    TP_TRY(tls_client_cert_load(run->cfg, &run->client_cert, err));
    run->ctx.client_cert = &run->client_cert;
    if (tls_client_cert_subject(&run->client_cert,
                                &run->report->handshake.client_cert_subject) != TP_OK)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (gnutls_certificate_allocate_credentials(&run->cred) < 0)
        return tp_fail(err, TP_E_NOMEM, "cannot allocate TLS credentials");
    gnutls_certificate_set_retrieve_function2(run->cred, on_cert_request);
    TP_TRY(make_session(run->cfg, sni, run->omit, run->prio, run->cred, &run->ctx, &run->session, err));
    TP_TRY(tls_psk_credentials(run->cfg, &run->psk_cred, err));
    if (run->psk_cred != NULL) {
        /* Beside the certificate credentials: the server's choice of suite
         * decides which one authenticates it. */
        int rc = gnutls_credentials_set(run->session, GNUTLS_CRD_PSK, run->psk_cred);
        if (rc < 0)
            return tp_fail(err, TP_E_INTERNAL, "cannot configure the PSK: %s",
                           gnutls_strerror(rc));
    }
    tls_transport_attach(&run->t, run->session);
    if (run->resume != NULL && run->resume->in != NULL) {
        /* A stale or foreign state is not an error: the server then simply
         * runs a full handshake, which is what resumed = false reports. */
        int rc = gnutls_session_set_data(run->session, run->resume->in, run->resume->in_len);
        if (rc == GNUTLS_E_MEMORY_ERROR)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
    }
    return TP_OK;
}

/* After the handshake (and the TLS 1.3 ticket read, which is what makes a
 * TLS 1.3 session resumable: RFC 8446 Sec. 4.6.1): keep this session's
 * state for a later resumption. */
static tp_status save_resumption(struct tls_run *run)
{
    struct tls_resume *r = run->resume;
    r->resumed = gnutls_session_is_resumed(run->session) != 0;
    gnutls_datum_t data = {NULL, 0};
    if (gnutls_session_get_data2(run->session, &data) < 0 || data.size == 0) {
        gnutls_free(data.data);
        return TP_OK;
    }
    r->out = malloc(data.size);
    if (r->out == NULL) {
        gnutls_free(data.data);
        return TP_E_NOMEM;
    }
    memcpy(r->out, data.data, data.size);
    r->out_len = data.size;
    gnutls_free(data.data);
    return TP_OK;
}

/* What the server did not get to answer because the offer left it out is
 * unknown, not "no" (GNUTLS_NO_EXTENSIONS takes extended_master_secret with
 * status_request). TLS 1.3 has EMS built in (RFC 8446 Sec. 7.1). */
static void forget_omitted(struct tp_handshake *hs, uint32_t omit)
{
    if ((omit & (TP_OFFER_EXTENDED_MASTER_SECRET | TP_OFFER_STATUS_REQUEST)) &&
        hs->version != TP_VER_TLS13)
        hs->extended_master_secret = TP_TRI_UNKNOWN;
    if (omit & TP_OFFER_SESSION_TICKET)
        hs->session_ticket = TP_TRI_UNKNOWN;
    if ((omit & TP_OFFER_ENCRYPT_THEN_MAC) && hs->encrypt_then_mac == TP_TRI_NO)
        hs->encrypt_then_mac = TP_TRI_UNKNOWN;
    if ((omit & TP_OFFER_RENEGOTIATION_INFO) && hs->version != TP_VER_TLS13)
        hs->secure_renegotiation = TP_TRI_UNKNOWN;
}

static void send_bye_early(struct tls_run *run);

/* The handshake and, in TLS 1.3, the ticket read after it. Returns 0 or
 * the GnuTLS error that ended it; *status is set on local failures. */
static int run_exchange(struct tls_run *run, tp_status *status)
{
    struct tp_handshake *hs = &run->report->handshake;
    hs->client_cert_requested = TP_TRI_NO;
    hs->client_cert_sent = TP_TRI_NO;
    int rc = run_handshake(run->session, &run->t);
    uint64_t done_ns = tp_now_ns();
    hs->completed = rc >= 0;
    if (hs->completed || server_hello_seen(run->session))
        hs->version = tls_facts_version(run->session);
    /* A server that asked for a certificate and then aborted (mutual TLS
     * without --cert) has negotiated everything already: keep the facts,
     * so the report can say what it would have been. */
    if (!hs->completed && hs->client_cert_requested == TP_TRI_YES &&
        (*status = tls_facts_fill(run->session, hs)) == TP_OK && hs->cipher_name == NULL &&
        run->ctx.server_suite != 0)
        *status = tls_facts_suite_code(run->ctx.server_suite, hs);
    if (*status != TP_OK)
        return rc;
    if (!hs->completed)
        return rc;
    if (run->t.first_send_ns != 0)
        hs->handshake_us = (done_ns - run->t.first_send_ns) / 1000u;
    if ((*status = tls_facts_fill(run->session, hs)) != TP_OK)
        return 0;
    /* A handshake that only asks for another certificate (restrict_to)
     * learns nothing from the ticket, and the wait would be its dearest
     * part. */
    if (hs->version == TP_VER_TLS13 && run->restrict_to == NULL) {
        if (run->cfg->enumerate)
            send_bye_early(run);
        rc = await_tls13_ticket(run->session, &run->t, hs);
        hs->completed = rc == 0;
    }
    forget_omitted(hs, run->omit);
    return rc;
}

/* Beside --enum, close_notify first, behind our Finished: servers send
 * their tickets on reading the Finished, before the alert, and a server
 * serving one connection at a time (openssl s_server, gnutls-serv) is then
 * free a round trip sooner instead of waiting on us while the tickets
 * travel and the scan's probes queue behind it. Without --enum the
 * handshake ends as it always did. */
static void send_bye_early(struct tls_run *run)
{
    tp_deadline overall = run->t.deadline;
    run->t.deadline = tp_deadline_min_ms(overall, BYE_WAIT_MS);
    (void)gnutls_bye(run->session, GNUTLS_SHUT_WR);
    /* ... and our FIN behind it: openssl s_server, having answered the
     * alert with its own, still waits for our side's end of the connection
     * before it accepts the next (a round trip, measured behind 300 ms).
     * The tickets still come: only our direction closes. */
    if (run->t.dtls == NULL)
        (void)shutdown(run->t.fd, SHUT_WR);
    run->t.deadline = overall;
    run->t.timed_out = false;
    run->bye_sent = true;
}

/* Certificates, verification and the OCSP staple, whatever the outcome. */
static tp_status run_collect(struct tls_run *run, int rc)
{
    struct tp_handshake *hs = &run->report->handshake;
    TP_TRY(run->ctx.cb_status);
    TP_TRY(tls_psk_facts(run->session, run->cfg, hs));
    if (run->cfg->dtls && tls_dtls_raw_key(run->session, run->report) != TP_OK)
        return TP_E_NOMEM;
    if (run->report->dtls.raw_public_key == TP_TRI_YES)
        return TP_OK; /* no chain: the key is reported beside the handshake */
    unsigned n_peers = 0;
    if (hs->psk.used == TP_TRI_YES &&
        (gnutls_certificate_get_peers(run->session, &n_peers) == NULL || n_peers == 0))
        return TP_OK; /* the PSK authenticated the server: no chain to verify */
    TP_TRY(report_chain(run->session, run->trust, run->anchors, run->cfg, rc >= 0, &run->chain,
                        run->report));
    if (!hs->completed)
        return TP_OK;
    gnutls_x509_crt_t leaf = run->chain.count > 0 ? run->chain.crts[0] : NULL;
    TP_TRY(tls_facts_ocsp(run->session, leaf, tls_leaf_issuer(&run->chain, run->trust), hs));
    if (hs->ocsp_status != NULL && strcmp(hs->ocsp_status, "revoked") == 0)
        TP_TRY(tls_verify_note_revoked(run->report));
    return TP_OK;
}

static void run_finish(struct tls_run *run)
{
    tls_chain_finish(&run->chain);
    if (run->session != NULL)
        gnutls_deinit(run->session);
    if (run->cred != NULL)
        gnutls_certificate_free_credentials(run->cred);
    tls_client_cert_finish(&run->client_cert);
    if (run->psk_cred != NULL)
        gnutls_psk_free_client_credentials(run->psk_cred);
    if (run->prio != NULL)
        gnutls_priority_deinit(run->prio);
    tls_trust_release(run->trust);
}

tp_status tls_handshake_report_hooked(int fd, const struct tp_config *cfg, const char *sni,
                                      tp_deadline deadline, const struct tls_io_hook *hook,
                                      struct tp_report *report, tp_error *err)
{
    return tls_handshake_report_resumable(fd, cfg, sni, deadline, hook, NULL, report, err);
}

/* RFC 9147 Sec. 5.1: what the server's first answer weighed against our
 * first ClientHello; an attacker's spoofed ClientHello buys that much. */
static void note_amplification(struct tp_dtls *d)
{
    if (d == NULL || d->client_hello_bytes == 0 || d->first_flight_bytes == 0)
        return;
    d->amplification = (double)d->first_flight_bytes / (double)d->client_hello_bytes;
}

/* Every entry point's handshake: restrict_to narrows the offer for another
 * certificate (others.c), offer leaves parts out for a server that aborts
 * the default one (run/diagnose.c); either may be NULL. */
static tp_status handshake_report(int fd, const struct tp_config *cfg, const char *sni,
                                  tp_deadline deadline, const struct tls_io_hook *hook,
                                  struct tls_resume *resume, const char *restrict_to,
                                  struct tls_offer *offer, struct tp_report *report,
                                  tp_error *err)
{
    struct tls_run run = {.cfg = cfg, .report = report, .ctx = {.report = report},
                          .resume = resume, .restrict_to = restrict_to,
                          .omit = offer != NULL ? offer->omit : 0};
    if (resume != NULL) {
        resume->out = NULL;
        resume->out_len = 0;
        resume->resumed = false;
    }
    if (offer != NULL)
        offer->aborted = false;
    tls_transport_init(&run.t, fd, deadline, hook);
    if (cfg->dtls) {
        /* The counters start at zero with the report (tp_report_init):
         * one DTLS handshake per report; --enum and --timing results
         * beside them are the run's. */
        struct tp_dtls *d = &report->dtls;
        d->used = true;
        d->mtu = cfg->mtu != 0 ? cfg->mtu : TP_DEFAULT_DTLS_MTU;
        d->retrans_timeout_ms = DTLS_RETRANS_MS;
        run.t.dtls = d;
    }
    run.t.fin_after_hello = offer != NULL && offer->fin_after_hello && !cfg->dtls;
    tp_status status = run_setup(&run, sni, err);
    if (status != TP_OK)
        goto out;
    int rc = run_exchange(&run, &status);
    note_amplification(run.t.dtls);
    if (status != TP_OK || (status = run_collect(&run, rc)) != TP_OK)
        goto out;
    if (!report->handshake.completed) {
        struct tls_failure failure;
        tls_failure_classify(rc, run.session, &run.t, &failure);
        if (offer != NULL)
            offer->aborted = failure.aborted;
        status = record_failure(report, &failure, err); /* failure.status, or NOMEM */
        goto out;
    }
    if (resume != NULL && (status = save_resumption(&run)) != TP_OK)
        goto out;
    /* close_notify (RFC 8446 Sec. 6.1), briefly: the peer may be gone. */
    run.t.deadline = tp_deadline_min_ms(deadline, BYE_WAIT_MS);
    if (!run.bye_sent)
        (void)gnutls_bye(run.session, GNUTLS_SHUT_WR);
out:
    if (status == TP_E_NOMEM)
        tp_fail(err, TP_E_NOMEM, "out of memory");
    run_finish(&run);
    return status;
}

tp_status tls_handshake_report_within(int fd, const struct tp_config *cfg, const char *sni,
                                      tp_deadline deadline, const struct tls_io_hook *hook,
                                      struct tls_resume *resume, const char *restrict_to,
                                      struct tp_report *report, tp_error *err)
{
    return handshake_report(fd, cfg, sni, deadline, hook, resume, restrict_to, NULL, report,
                            err);
}

tp_status tls_handshake_report_offered(int fd, const struct tp_config *cfg, const char *sni,
                                       tp_deadline deadline, const char *restrict_to,
                                       struct tls_offer *offer, struct tp_report *report,
                                       tp_error *err)
{
    return handshake_report(fd, cfg, sni, deadline, NULL, NULL, restrict_to, offer, report,
                            err);
}

tp_status tls_handshake_report_resumable(int fd, const struct tp_config *cfg, const char *sni,
                                         tp_deadline deadline, const struct tls_io_hook *hook,
                                         struct tls_resume *resume, struct tp_report *report,
                                         tp_error *err)
{
    return handshake_report(fd, cfg, sni, deadline, hook, resume, NULL, NULL, report, err);
}

tp_status tls_handshake_report_offer(int fd, const struct tp_config *cfg, const char *sni,
                                     tp_deadline deadline, struct tls_offer *offer,
                                     struct tp_report *report, tp_error *err)
{
    return handshake_report(fd, cfg, sni, deadline, NULL, NULL, NULL, offer, report, err);
}

tp_status tls_handshake_report(int fd, const struct tp_config *cfg, const char *sni,
                               tp_deadline deadline, struct tp_report *report, tp_error *err)
{
    return tls_handshake_report_hooked(fd, cfg, sni, deadline, NULL, report, err);
}

tp_status tls_dtls_version_accepted(int fd, const struct tp_config *cfg, const char *sni,
                                    tp_deadline deadline, uint16_t version,
                                    enum tp_tri *accepted, tp_error *err)
{
    /* Appended to the DTLS offer (or --priority): the other version out. */
    const char *narrow = version == TP_VER_DTLS10 ? ":-VERS-DTLS1.2" : ":-VERS-DTLS1.0";
    struct tp_report scratch;
    tp_report_init(&scratch);
    tp_error one = {0};
    tp_status status = tls_handshake_report_within(fd, cfg, sni, deadline, NULL, NULL, narrow,
                                                   &scratch, &one);
    *accepted = TP_TRI_UNKNOWN;
    if (status == TP_OK && scratch.handshake.version == version)
        *accepted = TP_TRI_YES;
    else if (status == TP_E_TLS && scratch.failure.alert >= 0)
        *accepted = TP_TRI_NO;
    tp_report_finish(&scratch);
    if (status == TP_E_NOMEM || status == TP_E_USAGE)
        return tp_fail(err, status, "%s", one.msg);
    return TP_OK;
}
