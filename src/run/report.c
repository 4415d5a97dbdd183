/* report.c: the handshake report: resolve, connect, (STARTTLS,) the GnuTLS
 * handshake and its grading, with --enum beside it. */
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include "grade/grade.h"
#include "net/starttls.h"
#include "report/scan_model.h"
#include "run/diagnose.h"
#include "run/run.h"
#include "run/run_int.h"
#include "tls/tls.h"
#include "wire/alert.h"
#include "util/trace.h"
#include "util/banned.h"

/* How long the report's connect waits for the scan's first ones (see
 * run_report): the scan's thread issues them within a millisecond. */
#define REPORT_BEHIND_SCAN_MS 10u

static bool scan_found_a_version(const struct tp_scan *scan)
{
    for (size_t i = 0; i < TP_SCAN_VERSIONS; i++)
        if (scan->protocols[i].supported == TP_TRI_YES)
            return true;
    return false;
}

/* Wait for --enum and combine its outcome with the report's handshake.
 * The handshake failing (a server GnuTLS cannot speak, e.g. SSLv3-only, or
 * one that does not answer in its share of the time) does not end an --enum
 * run when the scan found a version the server speaks: the failure stays
 * in the report, marked tolerated (JSON: handshake.error, not error), and
 * the findings decide the exit status. */
static tp_status finish_enum(struct enum_task *task, struct tp_report *report,
                             tp_status hs_status, enum tp_stage stage, tp_error *err)
{
    tp_error scan_err = {0};
    tp_status scanned = enum_finish(task, report, &scan_err);
    bool hs_failed = hs_status == TP_E_TLS || hs_status == TP_E_TIMEOUT;
    if (hs_status != TP_OK && !hs_failed)
        return hs_status; /* a local failure (no memory) of the report's own */
    if (scanned != TP_OK)
        return hs_failed ? hs_status : tp_fail(err, scanned, "%s", scan_err.msg);
    if (hs_status == TP_OK)
        return TP_OK;
    return run_tolerate_handshake(report, stage, hs_status, scan_found_a_version(report->scan),
                                  err);
}

/* A server that asks for a client certificate and ends the handshake when
 * none comes (mutual TLS without --cert) has shown everything but the
 * application: that is its design, not a failed probe. The failure stays
 * in the report, marked tolerated, and a finding says what it requires. */
static bool needs_client_cert(const struct tp_report *report)
{
    const struct tp_handshake *hs = &report->handshake;
    return report->failure.stage == TP_STAGE_TLS && hs->client_cert_requested == TP_TRI_YES &&
           hs->client_cert_sent != TP_TRI_YES;
}

static tp_status tolerate_cert_required(const struct tp_config *cfg, struct tp_report *report,
                                        tp_error *err)
{
    report->failure.tolerated = true;
    tp_error_clear(err);
    return grade_handshake(report, cfg, tp_wall_seconds());
}

/* RFC 6066 Sec. 3: unrecognized_name(112) to a hello without server_name
 * is how nginx's ssl_reject_handshake and strict-SNI front ends refuse. */
static tp_status hint_sni(struct tp_report *report, tp_error *err)
{
    struct tp_failure *f = &report->failure;
    if (f->alert != TP_AD_UNRECOGNIZED_NAME || f->message == NULL)
        return TP_OK;
    char *old = f->message;
    f->message = NULL;
    tp_status status = tp_set_strf(&f->message,
                                   "%s; no server_name was sent and the server may require "
                                   "one: try --sni NAME",
                                   old);
    free(old);
    if (status == TP_OK)
        tp_fail(err, TP_E_TLS, "%s", f->message);
    return status;
}

/* Resolve, connect, handshake and grade; everything learned goes in report.
 * Returns the status of the step that stopped the run (TP_OK if none). */
tp_status run_report(const struct tp_config *cfg, struct tp_report *report, tp_error *err)
{
    tp_deadline deadline = tp_deadline_in_ms(cfg->timeout_ms);
    struct tp_addrlist addrs = {0};
    int fd = -1;
    size_t which = 0;
    const char *sni = run_choose_sni(cfg);
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status;
    struct enum_task *task = NULL;

    tp_trace("report: start");
    if (cfg->dtls)
        return run_dtls_report(cfg, report, err);
    if ((status = run_fill_target(cfg, sni, report)) != TP_OK)
        goto out;
    report->target.starttls = net_starttls_name(cfg->starttls);

    status = net_resolve(cfg->host, cfg->port, cfg->family, deadline, &addrs, err);
    if (status != TP_OK)
        goto out;
    stage = TP_STAGE_CONNECT;
    /* One address: the scan needs no connect of the report's to know where
     * to go, and starts now (behind a slow link, a round trip earlier). */
    if (cfg->enumerate && addrs.count == 1 &&
        (status = enum_start(&task, cfg, &addrs.items[0], sni, deadline, report, err)) != TP_OK)
        goto out;
    /* ... and its first connections reach the server's accept queue ahead
     * of ours: a server serving one connection at a time (openssl
     * s_server) then answers the scan's version probes first and holds
     * our handshake while they travel, instead of holding them a round
     * trip or more behind it. Hidden behind the scan either way. */
    if (task != NULL)
        (void)poll(NULL, 0, (int)REPORT_BEHIND_SCAN_MS);
    status = net_connect_first(&addrs, cfg->connect_timeout_ms, deadline, report, &fd, &which,
                               err);
    if (status != TP_OK)
        goto out;
    tp_trace("report: connected");
    report->target.family = addrs.items[which].family;
    if ((status = tp_set_str(&report->target.address, addrs.items[which].text)) != TP_OK)
        goto out;
    if (cfg->enumerate && task == NULL &&
        (status = enum_start(&task, cfg, &addrs.items[which], sni, deadline, report, err)) !=
            TP_OK)
        goto out;
    stage = TP_STAGE_TLS;
    /* With --enum the report's handshake gets a third of the run, so that
     * a peer that never answers still leaves time for the scan. */
    tp_deadline hs_deadline =
        cfg->enumerate ? tp_deadline_min_ms(deadline, cfg->timeout_ms / 3u) : deadline;
    /* --starttls: the plaintext dialogue first, within the handshake's
     * share of the time; XMPP names the service (--sni, else HOST). */
    if (cfg->starttls != TP_STARTTLS_NONE)
        status = net_starttls(fd, cfg->starttls, sni != NULL ? sni : cfg->host, hs_deadline,
                              err);
    struct tls_offer offer = {0};
    if (status == TP_OK)
        status = tls_handshake_report_offer(fd, cfg, sni, hs_deadline, &offer, report, err);
    if (status == TP_E_TLS && offer.aborted) {
        /* The server ended the handshake: find out why on fresh
         * connections (the server may serve one at a time). */
        struct diag_target target = {cfg, &addrs.items[which], sni, hs_deadline};
        close(fd);
        fd = -1;
        status = run_diagnose_handshake(&target, offer.aborted, status, report, err);
    }
    tp_trace("report: handshake done");
    /* Without --enum (whose scan finds PSK suites itself): was that a
     * PSK-only server? A second connection, so free the first: servers
     * such as openssl s_server serve one at a time. */
    if (status == TP_E_TLS && !cfg->enumerate) {
        if (fd >= 0)
            close(fd);
        fd = -1;
        tp_status diag = run_diagnose_psk_only(cfg, &addrs.items[which], sni, deadline, report,
                                               err);
        if (diag != TP_OK)
            status = diag;
    }
    /* Free the server first: single-threaded ones (openssl s_server)
     * serve one connection at a time, and the other chains and --enum
     * connect again. */
    if (fd >= 0)
        close(fd);
    fd = -1;
    if (status == TP_OK &&
        (status = run_other_chains(cfg, &addrs.items[which], sni, deadline, report)) != TP_OK)
        tp_fail(err, status, "out of memory");
    tp_trace("report: other chains done");
    if (status == TP_OK) {
        stage = TP_STAGE_NONE;
        status = grade_handshake(report, cfg, tp_wall_seconds());
    } else if (status == TP_E_TLS && needs_client_cert(report)) {
        stage = TP_STAGE_NONE;
        status = tolerate_cert_required(cfg, report, err);
    } else if (status == TP_E_TLS && sni == NULL) {
        tp_status hinted = hint_sni(report, err);
        status = hinted != TP_OK ? hinted : status;
    } else if (status == TP_E_TLS && report->handshake.client_cert_sent == TP_TRI_YES) {
        /* --cert refused: still a failed run, with the finding that says
         * the server's verdict on the certificate, and what it had shown. */
        tp_status graded = grade_handshake(report, cfg, tp_wall_seconds());
        status = graded != TP_OK ? graded : status;
    }
    /* --vulns without --enum: the checks make their own connections, so a
     * handshake GnuTLS could not finish (a server that answers only raw
     * probes) is checked too; the handshake's failure stays the run's. */
    if (task == NULL && (status == TP_OK || status == TP_E_TLS || status == TP_E_TIMEOUT)) {
        tp_error vuln_err = {0};
        tp_status checked =
            run_vulns(cfg, &addrs.items[which], sni, deadline, report, &vuln_err);
        if (checked != TP_OK)
            status = tp_fail(err, checked, "%s", vuln_err.msg);
    }
    if (task != NULL) {
        if (status == TP_OK)
            status = run_check_sni(cfg, &addrs.items[which], sni, deadline, report);
        tp_trace("report: sni checked");
        status = finish_enum(task, report, status, stage, err);
        tp_trace("report: enum joined");
        task = NULL;
    }
out:
    if (task != NULL) /* the connect failed: the scan started early is of no use */
        enum_abandon(task, report);
    status = run_note_failure(report, status, stage, err);
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    return status;
}
