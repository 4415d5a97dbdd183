/* sni.c: does the server require SNI (RFC 6066 Sec. 3)?
 *
 * nginx's ssl_reject_handshake, HAProxy's strict-sni and many cloud front
 * ends refuse a ClientHello without server_name, or with a name they do not
 * serve. A device whose TLS stack sends no SNI (or an IP literal, which RFC
 * 6066 forbids as a name) then cannot connect at all. Under --enum, once the
 * report's handshake completed with a name, three raw probes of the version
 * and suite it negotiated answer the question: the same hello with the name
 * (the control: a server that refuses even that tells us nothing), without
 * server_name, and with a name under .invalid (RFC 6761 Sec. 6.4), which
 * no server can legitimately serve. */
#include <stdio.h>
#include <string.h>

#include "run/run_int.h"
#include "scan/probe.h"
#include "wire/alert.h"
#include "wire/registry.h"
#include "util/banned.h"

/* A reserved name no server serves (RFC 6761 Sec. 6.4). */
#define OTHER_NAME "tlsprobe-sni-check.invalid"
/* The probes' reply time-out: generous against the handshake just measured. */
#define SNI_PROBE_FLOOR_MS 2000u

static void sni_probe(const struct tp_config *cfg, const struct tp_addr *addr, uint16_t version,
                      uint16_t suite, const char *name, uint32_t timeout_ms,
                      tp_deadline deadline, struct probe_result *out)
{
    struct probe_spec spec;
    probe_spec_defaults(&spec, version, name);
    spec.suites[0] = suite;
    spec.n_suites = 1;
    spec.want_flight = false; /* the ServerHello decides */
    const struct probe_starttls starttls = {cfg->starttls, name != NULL ? name : cfg->host};
    memset(out, 0, sizeof *out);
    probe_run(&spec, addr, cfg->connect_timeout_ms, timeout_ms, deadline, &starttls, out);
}

static const char *refusal(const struct probe_result *res, char *buf, size_t size)
{
    if (res->alert >= 0) {
        const char *name = tp_alert_name((uint8_t)res->alert);
        snprintf(buf, size, "alert %s", name != NULL ? name : "unknown");
        return buf;
    }
    return "a close without alert";
}

tp_status run_check_sni(const struct tp_config *cfg, const struct tp_addr *addr,
                        const char *sni, tp_deadline deadline, struct tp_report *report)
{
    const struct tp_handshake *hs = &report->handshake;
    if (sni == NULL || !hs->completed || hs->version < TP_VER_TLS10 || hs->cipher_code == 0)
        return TP_OK;
    uint32_t timeout_ms = SNI_PROBE_FLOOR_MS + 4u * (uint32_t)(hs->handshake_us / 1000u);
    struct probe_result control, none, other;
    sni_probe(cfg, addr, hs->version, hs->cipher_code, sni, timeout_ms, deadline, &control);
    if (control.outcome != PROBE_ACCEPTED)
        return TP_OK; /* our raw hello is refused even with the name: no evidence */
    sni_probe(cfg, addr, hs->version, hs->cipher_code, NULL, timeout_ms, deadline, &none);
    sni_probe(cfg, addr, hs->version, hs->cipher_code, OTHER_NAME, timeout_ms, deadline, &other);
    if (none.outcome != PROBE_REFUSED)
        return TP_OK;
    char why_none[48], why_other[48];
    if (other.outcome == PROBE_REFUSED)
        return tp_report_add_finding(
            report, "sni-required",
            "server refuses handshakes without server_name (%s) and with an unknown name (%s); "
            "it completed with '%s': clients that send no SNI cannot connect",
            refusal(&none, why_none, sizeof why_none), refusal(&other, why_other, sizeof why_other),
            sni);
    return tp_report_add_finding(
        report, "sni-required",
        "server refuses handshakes without server_name (%s) but accepts any name; it completed "
        "with '%s': clients that send no SNI cannot connect",
        refusal(&none, why_none, sizeof why_none), sni);
}
