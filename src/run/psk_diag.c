/* psk_diag.c: diagnose one kind of failed report handshake, the PSK-only
 * server (RFC 7925 IoT devices, mosquitto with psk_file, RFC 4279 Sec. 2).
 *
 * Such a server has no certificate, so it refuses a hello without a PSK
 * with handshake_failure, which alone says nothing. But a TLS 1.2 PSK suite
 * is selected in the ServerHello before the key is ever used: one raw
 * probe offering only the PSK suites, answered with a ServerHello, tells
 * that the server wants a PSK (and gives its identity hint, from the
 * ServerKeyExchange, RFC 4279 Sec. 5.2). Self-contained, so that it can
 * sit beside other diagnoses of a failed handshake. */
#include "run/run_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scan/plan.h"
#include "scan/probe.h"
#include "wire/alert.h"
#include "wire/registry.h"
#include "util/banned.h"

/* The one probe's wait for a reply, within the run's deadline. */
#define PSK_DIAG_TIMEOUT_MS 5000u

/* Every TLS 1.2 PSK, DHE_PSK, ECDHE_PSK and RSA_PSK suite of the registry. */
static size_t tls12_psk_suites(uint16_t *out, size_t cap)
{
    uint16_t all[PLAN_MAX_CODES];
    size_t n = plan_suite_candidates(TP_VER_TLS12, all, PLAN_MAX_CODES), k = 0;
    for (size_t i = 0; i < n && k < cap; i++) {
        const struct tp_suite_info *info = tp_suite_by_code(all[i]);
        if (info != NULL && (info->flags & TP_SF_PSK) != 0)
            out[k++] = all[i];
    }
    return k;
}

/* Only a handshake_failure (RFC 8446 Sec. 6.2: no acceptable set of
 * parameters) with no PSK of ours in the offer asks the question. */
static bool psk_only_question(const struct tp_config *cfg, const struct tp_report *report)
{
    /* A server that asked for a client certificate has one of its own:
     * its failure is the certificate's (run/report.c). */
    return cfg->psk_key == NULL && !report->handshake.completed &&
           report->handshake.client_cert_requested != TP_TRI_YES &&
           report->failure.stage == TP_STAGE_TLS &&
           report->failure.alert == TP_AD_HANDSHAKE_FAILURE;
}

static tp_status note_psk_only(const struct probe_result *res, struct tp_report *report,
                               tp_error *err)
{
    const struct tp_suite_info *info = tp_suite_by_code(res->suite);
    const char *suite = info != NULL && tp_suite_name(info) != NULL ? tp_suite_name(info) : "?";
    char *message = NULL;
    TP_TRY(tp_set_strf(&message,
                       "%s; the server is PSK-only: it answered an offer of only pre-shared-key "
                       "suites with %s%s%s%s; give --psk-identity and --psk-key",
                       report->failure.message != NULL ? report->failure.message
                                                       : "TLS handshake failed",
                       suite, res->has_psk_hint ? " and the identity hint '" : "",
                       res->has_psk_hint ? res->psk_hint : "", res->has_psk_hint ? "'" : ""));
    snprintf(err->msg, sizeof err->msg, "%s", message);
    tp_status st = tp_set_str(&report->failure.message, message);
    free(message);
    TP_TRY(st);
    if (res->has_psk_hint)
        return tp_report_add_finding(report, "server-psk-only",
                                     "the handshake failed without a PSK, and the server selected "
                                     "%s from an offer of PSK suites only; identity hint '%s'; "
                                     "use --psk-identity and --psk-key",
                                     suite, res->psk_hint);
    return tp_report_add_finding(report, "server-psk-only",
                                 "the handshake failed without a PSK, and the server selected %s "
                                 "from an offer of PSK suites only; use --psk-identity and "
                                 "--psk-key",
                                 suite);
}

tp_status run_diagnose_psk_only(const struct tp_config *cfg, const struct tp_addr *addr,
                                const char *sni, tp_deadline deadline, struct tp_report *report,
                                tp_error *err)
{
    if (!psk_only_question(cfg, report))
        return TP_OK;
    struct probe_spec spec;
    probe_spec_defaults(&spec, TP_VER_TLS12, sni);
    spec.n_suites = tls12_psk_suites(spec.suites, PLAN_MAX_CODES);
    if (spec.n_suites == 0)
        return TP_OK;
    struct probe_starttls starttls = {cfg->starttls, sni != NULL ? sni : cfg->host};
    struct probe_result res;
    memset(&res, 0, sizeof res);
    probe_run(&spec, addr, cfg->connect_timeout_ms, PSK_DIAG_TIMEOUT_MS, deadline, &starttls,
              &res);
    /* A ServerHello selecting one of the PSK suites; anything else (a
     * refusal, a suite we did not offer, an unknown) proves nothing. */
    const struct tp_suite_info *info = tp_suite_by_code(res.suite);
    if (res.outcome != PROBE_ACCEPTED || res.hrr || res.died_after_hello || info == NULL ||
        (info->flags & TP_SF_PSK) == 0)
        return TP_OK;
    return note_psk_only(&res, report, err);
}
