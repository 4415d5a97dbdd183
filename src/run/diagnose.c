/* diagnose.c: the diagnoses of a failed handshake (diagnose.h). */
#include "run/diagnose.h"

#include <string.h>
#include <unistd.h>

#include "net/starttls.h"
#include "scan/intolerance.h"
#include "tls/tls.h"
#include "wire/alert.h"
#include "util/banned.h"

/* One handshake with offer on a fresh connection, into a report of its
 * own. TP_OK when it completed; the handshake's failure status otherwise
 * (a connect failure counts as one: the offer is then not shown to work);
 * TP_E_NOMEM and TP_E_USAGE pass through. */
static tp_status try_offer(const struct diag_target *t, struct tls_offer *offer,
                           struct tp_report *out)
{
    tp_error err = {0};
    int fd = -1;
    tp_status status = net_connect_addr(t->addr, t->cfg->connect_timeout_ms, t->deadline, &fd,
                                        &err);
    if (status == TP_OK && t->cfg->starttls != TP_STARTTLS_NONE)
        status = net_starttls(fd, t->cfg->starttls, t->sni != NULL ? t->sni : t->cfg->host,
                              t->deadline, &err);
    if (status == TP_OK)
        status = tls_handshake_report_offer(fd, t->cfg, t->sni, t->deadline, offer, out, &err);
    if (fd >= 0)
        close(fd);
    return status;
}

/* Move what the completed handshake learned into the report (which frees
 * what the failed one had): handshake, chain, verification, no failure. */
static void take_handshake(struct tp_report *report, struct tp_report *from)
{
    struct tp_report old;
    tp_report_init(&old);
    old.handshake = report->handshake;
    old.certs = report->certs;
    old.n_certs = report->n_certs;
    old.verification = report->verification;
    old.failure = report->failure;
    report->handshake = from->handshake;
    report->certs = from->certs;
    report->n_certs = from->n_certs;
    report->verification = from->verification;
    report->failure = from->failure;
    memset(&from->handshake, 0, sizeof from->handshake);
    from->certs = NULL;
    from->n_certs = 0;
    memset(&from->verification, 0, sizeof from->verification);
    memset(&from->failure, 0, sizeof from->failure);
    tp_report_finish(&old);
}

/* The intolerance search (scan/intolerance.h) over what this GnuTLS can
 * leave out. Each offer is one connection; the one that completes last is
 * the tolerated offer (the search ends on it) and becomes the report. */
static tp_status diagnose_intolerance(const struct diag_target *t, struct tp_report *report,
                                      bool *fixed)
{
    struct intol_search s;
    struct tp_report last;
    bool have_last = false;
    uint32_t omit = 0;
    tp_status status = TP_OK;
    intol_init(&s, tls_offer_parts(t->cfg));
    tp_report_init(&last);
    while (intol_next(&s, &omit)) {
        struct tp_report attempt;
        struct tls_offer offer = {.omit = omit};
        tp_report_init(&attempt);
        status = try_offer(t, &offer, &attempt);
        if (status == TP_E_NOMEM || status == TP_E_USAGE) {
            tp_report_finish(&attempt);
            break;
        }
        bool completed = status == TP_OK;
        status = TP_OK;
        if (completed) {
            tp_report_finish(&last);
            last = attempt;
            have_last = true;
        } else {
            tp_report_finish(&attempt);
        }
        intol_answer(&s, completed);
        if (tp_deadline_passed(t->deadline))
            break;
    }
    if (status == TP_OK && s.intolerant && have_last && s.step == INTOL_DONE) {
        take_handshake(report, &last);
        report->handshake.intolerance = s.culprits;
        *fixed = true;
    }
    tp_report_finish(&last);
    return status;
}

/* Alerts that refuse the parameters or the peer, not the shape of the
 * hello (the scan's rule too, scan/scan.c): protocol_version(70),
 * insufficient_security(71), handshake_failure(40), and unrecognized_name
 * (112, a server that wants another SNI: run/report.c says so). A server
 * that asked for a client certificate ended the handshake over that. */
static bool may_be_intolerance(const struct tp_report *report)
{
    switch (report->failure.alert) {
    case TP_AD_HANDSHAKE_FAILURE:
    case TP_AD_PROTOCOL_VERSION:
    case TP_AD_INSUFFICIENT_SECURITY:
    case TP_AD_UNRECOGNIZED_NAME:
        return false;
    default:
        return report->handshake.client_cert_requested != TP_TRI_YES;
    }
}

tp_status run_diagnose_handshake(const struct diag_target *target, bool aborted,
                                 tp_status hs_status, struct tp_report *report, tp_error *err)
{
    bool fixed = false;
    /* Only a server that ended the handshake itself: a time-out or a peer
     * that is not TLS says nothing about the offer. */
    if (hs_status != TP_E_TLS || !aborted || !may_be_intolerance(report))
        return hs_status;
    tp_status status = diagnose_intolerance(target, report, &fixed);
    if (status == TP_E_NOMEM)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    if (!fixed)
        return hs_status;
    tp_error_clear(err);
    return TP_OK;
}
