/* dtls.c: the --dtls report: resolve, a connected UDP socket, the GnuTLS
 * DTLS handshake (tls/session.c in datagram mode) and its grading, and
 * whether the server still accepts DTLS 1.0.
 *
 * What the TCP report adds after its handshake (the server's other
 * chains, the intolerance and PSK-only diagnoses) speaks TCP and is not
 * run here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "grade/grade.h"
#include "run/run.h"
#include "run/run_int.h"
#include "scan/dtls_scan.h"
#include "timing/link.h"
#include "timing/projection.h"
#include "wire/dtls.h"
#include "tls/tls.h"
#include "wire/registry.h"
#include "util/banned.h"

/* The DTLS 1.0 check's own bound: a server that drops what it does not
 * speak costs the retransmission timer (1 s, doubling), so wait for a few
 * rounds of it or four handshakes' time, whichever is longer. */
#define DTLS10_CHECK_MIN_MS 3500u

static tp_status check_dtls10(const struct tp_config *cfg, const struct tp_addr *addr,
                              const char *sni, tp_deadline deadline, struct tp_report *report,
                              tp_error *err)
{
    struct tp_dtls *d = &report->dtls;
    if (report->handshake.version == TP_VER_DTLS10) {
        d->dtls10_accepted = TP_TRI_YES;
        return TP_OK;
    }
    if (report->handshake.version != TP_VER_DTLS12 || cfg->priority != NULL)
        return TP_OK; /* a --priority of the user's may not hold DTLS 1.0 at all */
    uint64_t hs_ms = report->handshake.handshake_us / 1000u;
    uint32_t wait_ms = 4u * hs_ms > DTLS10_CHECK_MIN_MS ? (uint32_t)(4u * hs_ms)
                                                        : DTLS10_CHECK_MIN_MS;
    int fd = -1;
    tp_error ignored = {0};
    /* A fresh socket (a fresh source port): the server's state for the
     * first one is not ours to disturb. */
    if (net_connect_udp(addr, &fd, &ignored) != TP_OK)
        return TP_OK;
    tp_status status = tls_dtls_version_accepted(fd, cfg, sni,
                                                 tp_deadline_min_ms(deadline, wait_ms),
                                                 TP_VER_DTLS10, &d->dtls10_accepted, err);
    close(fd);
    return status;
}

/* ---- --timing ---------------------------------------------------- */

struct flight_log {
    struct tp_dtls_timing *timing;
    uint64_t first_ns;
};

/* RFC 6347 Sec. 4.3.2 / RFC 5246 Sec. 7.4 handshake types we expect. */
static const char *message_name(uint8_t type)
{
    switch (type) {
    case 1:
        return "ClientHello";
    case 2:
        return "ServerHello";
    case 3:
        return "HelloVerifyRequest";
    case 4:
        return "NewSessionTicket";
    case 11:
        return "Certificate";
    case 12:
        return "ServerKeyExchange";
    case 13:
        return "CertificateRequest";
    case 14:
        return "ServerHelloDone";
    case 15:
        return "CertificateVerify";
    case 16:
        return "ClientKeyExchange";
    default:
        return "handshake";
    }
}

static void label_flight(struct tp_dtls_flight *f, const uint8_t *data, size_t len)
{
    tp_dtls_datagram d;
    tp_error ignored = {0};
    if (data == NULL || tp_dtls_datagram_parse(data, len, &d, &ignored) != TP_OK)
        snprintf(f->label, sizeof f->label, "datagram");
    else if (d.hs_fragments > 0)
        snprintf(f->label, sizeof f->label, "%s", message_name(d.first_msg_type));
    else if (d.protected_records > 0)
        snprintf(f->label, sizeof f->label, "ChangeCipherSpec, Finished");
    else
        snprintf(f->label, sizeof f->label, "%s", d.has_alert ? "alert" : "datagram");
}

/* A datagram of nothing but one protected alert: the close_notify after
 * the handshake (or an encrypted alert), which no flight is made of. */
static bool only_protected_alert(const uint8_t *data, size_t len)
{
    tp_dtls_datagram d;
    tp_error ignored = {0};
    return data != NULL && tp_dtls_datagram_parse(data, len, &d, &ignored) == TP_OK &&
           d.records == 1 && d.protected_alerts == 1;
}

/* Every datagram of the report's handshake: a change of direction starts
 * a flight. */
static void on_datagram(void *ctx, const struct tls_io_event *ev)
{
    struct flight_log *log = ctx;
    struct tp_dtls_timing *t = log->timing;
    bool from_server = ev->dir == TLS_IO_RECV;
    if (only_protected_alert(ev->data, ev->data_len))
        return;
    if (log->first_ns == 0)
        log->first_ns = ev->t_ns;
    struct tp_dtls_flight *f = t->n_flights > 0 ? &t->flights[t->n_flights - 1] : NULL;
    if (f == NULL || f->from_server != from_server) {
        if (t->n_flights == TP_DTLS_MAX_FLIGHTS) {
            t->truncated = true;
            return;
        }
        f = &t->flights[t->n_flights++];
        f->from_server = from_server;
        label_flight(f, ev->data, ev->data_len);
        f->datagrams = 0;
    }
    f->bytes += (uint32_t)ev->bytes;
    uint64_t us = (ev->t_ns - log->first_ns) / 1000u;
    uint32_t clamped = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    if (f->datagrams++ == 0)
        f->start_us = clamped;
    f->end_us = clamped;
}

/* Loopback has no propagation worth counting: every gap is processing. */
static bool is_loopback(int family, const char *address)
{
    return address != NULL && ((family == AF_INET && strncmp(address, "127.", 4) == 0) ||
                               (family == AF_INET6 && strcmp(address, "::1") == 0));
}

/* Each flight's sender's processing before it. Our own flights: from the
 * last datagram received to our first one sent, exactly. The server's:
 * from our last datagram to its first, less the round trip, which UDP does
 * not show apart: taken as the fastest such answer (so that answer counts
 * no processing, a lower bound), or 0 on loopback. */
static void estimate_think(struct tp_dtls_timing *t, bool loopback)
{
    double rtt_ms = loopback ? 0.0 : -1.0;
    for (size_t i = 1; !loopback && i < t->n_flights; i++) {
        double gap = (t->flights[i].start_us - (double)t->flights[i - 1].end_us) / 1000.0;
        if (t->flights[i].from_server && (rtt_ms < 0.0 || gap < rtt_ms))
            rtt_ms = gap;
    }
    for (size_t i = 1; i < t->n_flights; i++) {
        struct tp_dtls_flight *f = &t->flights[i];
        double gap = (f->start_us - (double)t->flights[i - 1].end_us) / 1000.0;
        if (f->from_server)
            gap -= rtt_ms;
        f->think_ms = gap > 0.0 ? gap : 0.0;
    }
}

/* --link: the measured flights on the link, by the DTLS model. */
static tp_status project(const struct tp_config *cfg, int family, struct tp_dtls_timing *t,
                         tp_error *err)
{
    struct tp_link link;
    TP_TRY(tp_link_from_arg(&link, cfg->link, err));
    struct tp_flight flights[TP_PROJ_MAX_FLIGHTS];
    double think[TP_PROJ_MAX_FLIGHTS];
    size_t n = t->n_flights < TP_PROJ_MAX_FLIGHTS ? t->n_flights : TP_PROJ_MAX_FLIGHTS;
    for (size_t i = 0; i < n; i++) {
        think[i] = t->flights[i].think_ms;
        flights[i] = (struct tp_flight){.label = t->flights[i].label,
                                        .dir = t->flights[i].from_server ? TP_DIR_S2C
                                                                         : TP_DIR_C2S,
                                        .bytes = t->flights[i].bytes,
                                        .records = t->flights[i].datagrams,
                                        .waits = true};
    }
    struct tp_proj_params params;
    tp_proj_params_default(&params);
    params.datagram = true;
    params.tcp_handshake = false;
    params.ipv6 = family == AF_INET6;
    params.think_ms = think;
    struct tp_projection *p = calloc(1, sizeof *p);
    if (p == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_status status = tp_project(&link, &params, flights, n, p, err);
    if (status == TP_OK) {
        t->projected = true;
        snprintf(t->link, sizeof t->link, "%s", link.name);
        snprintf(t->link_description, sizeof t->link_description, "%s", link.description);
        t->total_ms = p->total_ms;
        for (size_t i = 0; i < TP_PART_COUNT && i < 7; i++)
            t->parts_ms[i] = p->parts_ms[i];
        t->round_trips = p->round_trips;
        t->link_datagrams = p->packets;
        t->spurious_retransmissions = link.rtt_ms > 1000u;
        t->timer_copies = p->timer_copies;
        t->model = tp_projection_model_dtls();
    }
    free(p);
    return status;
}

static bool scan_found_a_version(const struct tp_dtls_enum *scan)
{
    for (size_t i = 0; i < TP_DTLS_NVERSIONS; i++)
        if (scan->versions[i] == TP_TRI_YES)
            return true;
    return false;
}

/* --enum after the report's handshake (hs_status): the scan decides
 * whether DTLS 1.0 is accepted. A failed handshake (a PSK-only server
 * without --psk-key) does not end the run when the scan found a version:
 * the failure stays in the report, tolerated, as over TCP. */
static tp_status run_dtls_enum(const struct tp_config *cfg, const struct tp_addr *addr,
                               const char *sni, tp_deadline deadline, tp_status hs_status,
                               struct tp_report *report, tp_error *err)
{
    bool hs_failed = hs_status == TP_E_TLS || hs_status == TP_E_TIMEOUT;
    if (hs_status != TP_OK && !hs_failed)
        return hs_status;
    struct tp_dtls_enum *scan = &report->dtls.scan;
    tp_error scan_err = {0};
    uint32_t rtt_ms = (report->dtls.first_answer_us + 999u) / 1000u;
    tp_status scanned = dtls_scan_run(cfg, addr, sni, deadline, rtt_ms, scan, &scan_err);
    if (report->handshake.version == TP_VER_DTLS10)
        report->dtls.dtls10_accepted = TP_TRI_YES;
    else
        report->dtls.dtls10_accepted = scan->versions[TP_DTLS_V10];
    if (scanned != TP_OK)
        return hs_failed ? hs_status : tp_fail(err, scanned, "%s", scan_err.msg);
    if (hs_status == TP_OK)
        return TP_OK;
    return run_tolerate_handshake(report, TP_STAGE_TLS, hs_status, scan_found_a_version(scan),
                                  err);
}

tp_status run_dtls_report(const struct tp_config *cfg, struct tp_report *report, tp_error *err)
{
    tp_deadline deadline = tp_deadline_in_ms(cfg->timeout_ms);
    struct tp_addrlist addrs = {0};
    int fd = -1;
    size_t which = 0;
    const char *sni = run_choose_sni(cfg);
    enum tp_stage stage = TP_STAGE_RESOLVE;
    tp_status status;

    /* A bad --link is a usage error before any traffic. */
    struct tp_link link;
    if (cfg->timing && cfg->link != NULL && tp_link_from_arg(&link, cfg->link, err) != TP_OK)
        return TP_E_USAGE;
    if ((status = run_fill_target(cfg, sni, report)) != TP_OK)
        goto out;
    report->target.dtls = true;
    status = net_resolve(cfg->host, cfg->port, cfg->family, deadline, &addrs, err);
    if (status != TP_OK)
        goto out;
    stage = TP_STAGE_CONNECT;
    status = net_connect_udp_first(&addrs, deadline, report, &fd, &which, err);
    if (status != TP_OK)
        goto out;
    report->target.family = addrs.items[which].family;
    if ((status = tp_set_str(&report->target.address, addrs.items[which].text)) != TP_OK)
        goto out;
    stage = TP_STAGE_TLS;
    /* With --enum the report's handshake gets a third of the run, as over
     * TCP, so that a silent peer still leaves time for the scan. */
    tp_deadline hs_deadline =
        cfg->enumerate ? tp_deadline_min_ms(deadline, cfg->timeout_ms / 3u) : deadline;
    struct flight_log log = {.timing = &report->dtls.timing};
    struct tls_io_hook hook = {.fn = on_datagram, .ctx = &log};
    report->dtls.timing.run = cfg->timing;
    status = tls_handshake_report_hooked(fd, cfg, sni, hs_deadline,
                                         cfg->timing ? &hook : NULL, report, err);
    close(fd);
    fd = -1;
    if (cfg->timing)
        estimate_think(&report->dtls.timing,
                       is_loopback(addrs.items[which].family, addrs.items[which].text));
    if (status == TP_OK && cfg->timing && cfg->link != NULL)
        status = project(cfg, addrs.items[which].family, &report->dtls.timing, err);
    if (status == TP_OK && !cfg->enumerate && !cfg->timing)
        status = check_dtls10(cfg, &addrs.items[which], sni, deadline, report, err);
    if (cfg->enumerate)
        status = run_dtls_enum(cfg, &addrs.items[which], sni, deadline, status, report, err);
    if (status == TP_OK) {
        stage = TP_STAGE_NONE;
        status = grade_handshake(report, cfg, tp_wall_seconds());
    } else if (status == TP_E_TLS && report->handshake.client_cert_requested == TP_TRI_YES) {
        /* As over TCP: a refused or missing client certificate still
         * leaves what the server showed to grade. */
        tp_status graded = grade_handshake(report, cfg, tp_wall_seconds());
        status = graded != TP_OK ? graded : status;
    }
out:
    status = run_note_failure(report, status, stage, err);
    if (fd >= 0)
        close(fd);
    net_addrlist_finish(&addrs);
    return status;
}
