/* vuln.c: the table of checks and the loop over it (vuln.h). */
#include "vuln/vuln.h"
#include "vuln/checks.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "scan/plan.h"
#include "wire/registry.h"

#include "util/banned.h"

struct vuln_row {
    const char *id, *name, *cve, *reference;
    vuln_check_fn fn;
};

static const struct vuln_row vuln_table[] = {
    {"heartbleed", "Heartbleed", "CVE-2014-0160",
     "RFC 6520 Sec. 4; heartbeat request with an over-long payload_length before the handshake "
     "completes",
     vuln_heartbleed},
    {"ccs-injection", "CCS injection", "CVE-2014-0224",
     "RFC 5246 Sec. 7.1; early ChangeCipherSpec after the server's first flight",
     vuln_ccs_injection},
    {"robot", "ROBOT", "CVE-2017-13099",
     "Boeck, Somorovsky, Young: Return Of Bleichenbacher's Oracle Threat (USENIX Security 2018); "
     "RFC 5246 Sec. 7.4.7.1",
     vuln_robot},
    {"insecure-renegotiation", "Insecure renegotiation", "CVE-2009-3555", "RFC 5746",
     vuln_insecure_renegotiation},
    {"client-renegotiation", "Client-initiated renegotiation", "CVE-2011-1473",
     "RFC 5246 Sec. 7.4.1.1; RFC 9325 Sec. 3.5", vuln_client_renegotiation},
    {"key-share-reuse", "Ephemeral key share reuse (Raccoon)", "CVE-2020-1968",
     "RFC 8446 Sec. C.4; RFC 9325 Sec. 7.4", vuln_key_share_reuse},
    {"ticketbleed", "Ticketbleed", "CVE-2016-9244",
     "RFC 5077 Sec. 3.4; resumption with a 1-byte session ID", vuln_ticketbleed},
    {"ticket-key", "Session ticket key rotation", NULL,
     "RFC 5077 Sec. 4 (key_name); RFC 8446 Sec. 8", vuln_ticket_key},
    {"early-data-replay", "TLS 1.3 0-RTT replay", NULL, "RFC 8446 Sec. 8 and Sec. E.5",
     vuln_early_data_replay},
    {"beast", "BEAST", "CVE-2011-3389", "RFC 4346 Sec. 1.1; RFC 9325 Sec. 4.2", vuln_beast},
    {"poodle-ssl3", "POODLE (SSL 3.0)", "CVE-2014-3566", "RFC 7568 Sec. 4", vuln_poodle_ssl3},
    {"poodle-tls", "POODLE (TLS)", "CVE-2014-8730", "RFC 5246 Sec. 6.2.3.2", vuln_poodle_tls},
    {"lucky13", "Lucky Thirteen", "CVE-2013-0169", "RFC 7366; RFC 9325 Sec. 4.2", vuln_lucky13},
    {"sweet32", "SWEET32", "CVE-2016-2183", "RFC 9325 Sec. 4.1", vuln_sweet32},
    {"freak", "FREAK", "CVE-2015-0204", "RFC 9325 Sec. 4.1; RFC 4346 (export suites)",
     vuln_freak},
    {"logjam", "Logjam", "CVE-2015-4000", "RFC 9325 Sec. 4.5; RFC 7919", vuln_logjam},
    {"drown", "DROWN", "CVE-2016-0800", "RFC 6176 Sec. 3", vuln_drown},
    {"crime", "CRIME", "CVE-2012-4929", "RFC 9325 Sec. 3.3", vuln_crime},
};

void vuln_answer(struct vuln_answer *a, enum tp_vuln_result result, const char *fmt, ...)
{
    va_list ap;
    a->result = result;
    va_start(ap, fmt);
    vsnprintf(a->detail, sizeof a->detail, fmt, ap);
    va_end(ap);
}

void vuln_tls12_spec(struct probe_spec *spec, const char *sni, bool (*keep)(uint16_t code))
{
    uint16_t all[PLAN_MAX_CODES];
    size_t n = plan_suite_candidates(TP_VER_TLS12, all, PLAN_MAX_CODES);
    probe_spec_defaults(spec, TP_VER_TLS12, sni);
    spec->n_suites = 0;
    for (size_t i = 0; i < n; i++)
        if (keep == NULL || keep(all[i]))
            spec->suites[spec->n_suites++] = all[i];
}

tp_status vuln_run(const struct tp_config *cfg, const struct tp_addr *addr, const char *sni,
                   tp_deadline deadline, const struct tp_report *report, struct tp_vulns *out,
                   tp_error *err)
{
    struct vuln_ctx ctx = {.cfg = cfg, .addr = addr, .sni = sni, .deadline = deadline};
    struct vuln_input in = {.scan = report->scan, .handshake = &report->handshake};
    uint64_t began = tp_now_ns();
    for (size_t i = 0; i < sizeof vuln_table / sizeof vuln_table[0]; i++) {
        const struct vuln_row *row = &vuln_table[i];
        struct vuln_answer a = {TP_VULN_UNKNOWN, ""};
        if (tp_deadline_passed(deadline))
            vuln_answer(&a, TP_VULN_UNKNOWN, "not run: the run's time-out was reached");
        else
            row->fn(&ctx, &in, &a);
        struct tp_vuln *v = tp_vulns_add(out);
        if (v == NULL)
            return tp_fail(err, TP_E_NOMEM, "out of memory");
        v->id = row->id;
        v->name = row->name;
        v->cve = row->cve;
        v->reference = row->reference;
        v->result = a.result;
        TP_TRY(tp_set_str(&v->detail, a.detail));
    }
    out->connections = ctx.connections;
    out->elapsed_us = (tp_now_ns() - began) / 1000u;
    return TP_OK;
}
