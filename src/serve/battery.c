/* battery.c: the case table, the schedule, verdicts and findings
 * (battery.h). */
#include "serve/battery.h"

#include <string.h>

#include "util/banned.h"

/* What the server offers unless a case restricts it. */
#define PRIO_DEFAULT "NORMAL"

const struct tp_case tp_cases[] = {
    {"valid", "valid chain for the host name, issued by the test CA", TP_CASE_CONTROL,
     TLS_CERT_VALID, PRIO_DEFAULT, NULL},
    {"expired", "leaf expired 30 days ago", TP_CASE_CERT, TLS_CERT_EXPIRED, PRIO_DEFAULT,
     "client-accepts-expired"},
    {"not-yet-valid", "leaf valid only from 30 days from now", TP_CASE_CERT,
     TLS_CERT_NOT_YET_VALID, PRIO_DEFAULT, "client-accepts-not-yet-valid"},
    {"self-signed", "self-signed leaf for the host name", TP_CASE_CERT, TLS_CERT_SELF_SIGNED,
     PRIO_DEFAULT, "client-accepts-self-signed"},
    {"wrong-host", "leaf for wrong-host.tlsprobe.invalid, from the test CA", TP_CASE_CERT,
     TLS_CERT_WRONG_HOST, PRIO_DEFAULT, "client-accepts-wrong-host"},
    {"untrusted", "leaf issued by a CA the client does not trust", TP_CASE_CERT,
     TLS_CERT_UNTRUSTED, PRIO_DEFAULT, "client-accepts-untrusted"},
    {"not-ca", "leaf signed by another leaf of the test CA (CA:FALSE)", TP_CASE_CERT,
     TLS_CERT_NOT_CA, PRIO_DEFAULT, "client-accepts-not-ca"},
    {"wrong-eku", "leaf with extendedKeyUsage clientAuth only", TP_CASE_CERT,
     TLS_CERT_WRONG_EKU, PRIO_DEFAULT, "client-accepts-wrong-eku"},
    {"bad-signature", "leaf naming the test CA, signed with another key", TP_CASE_CERT,
     TLS_CERT_BAD_SIGNATURE, PRIO_DEFAULT, "client-accepts-bad-signature"},
    {"rsa1024", "leaf with a 1024-bit RSA key", TP_CASE_CERT, TLS_CERT_RSA1024, PRIO_DEFAULT,
     "client-accepts-rsa1024"},
    {"sha1", "leaf signed by the test CA with SHA-1", TP_CASE_CERT, TLS_CERT_SHA1,
     PRIO_DEFAULT, "client-accepts-sha1"},
    {"tls10", "valid chain, TLS 1.0 only", TP_CASE_PROTOCOL, TLS_CERT_VALID,
     "NORMAL:-VERS-ALL:+VERS-TLS1.0", "client-accepts-tls10"},
    {"static-rsa", "valid chain, static RSA key exchange only (no PFS)",
     TP_CASE_PROTOCOL, TLS_CERT_VALID, "NORMAL:-VERS-TLS1.3:-KX-ALL:+RSA",
     "client-accepts-static-rsa"},
    {"3des", "valid chain, 3DES-CBC suites only", TP_CASE_PROTOCOL, TLS_CERT_VALID,
     "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+3DES-CBC", "client-accepts-3des"},
    {"rc4", "valid chain, RC4 suites only", TP_CASE_PROTOCOL, TLS_CERT_VALID,
     "NORMAL:-VERS-TLS1.3:-CIPHER-ALL:+ARCFOUR-128", "client-accepts-rc4"},
};

const size_t tp_cases_count = sizeof tp_cases / sizeof tp_cases[0];

_Static_assert(sizeof tp_cases / sizeof tp_cases[0] <= TP_MAX_CASES, "raise TP_MAX_CASES");

const char *tp_case_kind_name(enum tp_case_kind kind)
{
    switch (kind) {
    case TP_CASE_CONTROL:
        return "control";
    case TP_CASE_CERT:
        return "certificate";
    case TP_CASE_PROTOCOL:
        return "protocol";
    }
    return "?";
}

int tp_case_find(const char *id)
{
    for (size_t i = 0; i < tp_cases_count; i++)
        if (strcmp(tp_cases[i].id, id) == 0)
            return (int)i;
    return -1;
}

tp_status tp_cases_parse(const char *list, bool selected[TP_MAX_CASES], tp_error *err)
{
    memset(selected, 0, TP_MAX_CASES * sizeof *selected);
    selected[0] = true;
    size_t named = 0;
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        char id[32];
        if (len == 0 || len >= sizeof id)
            return tp_fail(err, TP_E_USAGE, "--cases: empty or overlong case name in '%s'",
                           list);
        memcpy(id, p, len);
        id[len] = '\0';
        int i = tp_case_find(id);
        if (i < 0)
            return tp_fail(err, TP_E_USAGE,
                           "--cases: unknown case '%s' (see CASES in tlsprobe(1))", id);
        if (i > 0 && selected[i])
            return tp_fail(err, TP_E_USAGE, "--cases: '%s' given twice", id);
        selected[i] = true;
        named++;
        if (p[len] == '\0')
            break;
        p += len + 1;
    }
    return named > 0 ? TP_OK : tp_fail(err, TP_E_USAGE, "--cases: empty list");
}

size_t tp_schedule(const bool *selected, size_t out[], size_t max)
{
    size_t n = 0, since_control = 0;
    if (max == 0)
        return 0;
    out[n++] = 0;
    for (size_t i = 1; i < tp_cases_count && n < max; i++) {
        if (selected != NULL && !selected[i])
            continue;
        if (since_control == TP_CONTROL_EVERY) {
            out[n++] = 0;
            since_control = 0;
            if (n == max)
                break;
        }
        out[n++] = i;
        since_control++;
    }
    if (since_control > 0 && n < max)
        out[n++] = 0;
    return n;
}

enum tp_client_verdict tp_verdict_of(const struct tls_serve_result *r)
{
    switch (r->end) {
    case TLS_SERVE_DONE:
        /* Finished was sent: the client went on with what it was shown.
         * Only an alert or a close before any data takes that back. */
        if (r->after == TLS_AFTER_ALERT || r->after == TLS_AFTER_CLOSED)
            return TP_VERDICT_REJECTED_AFTER;
        return TP_VERDICT_ACCEPTED;
    case TLS_SERVE_ALERT:
    case TLS_SERVE_NO_COMMON:
        return TP_VERDICT_REJECTED;
    case TLS_SERVE_CLOSED:
    case TLS_SERVE_TIMEOUT:
        return TP_VERDICT_GONE;
    case TLS_SERVE_ERROR:
        return TP_VERDICT_UNKNOWN;
    }
    return TP_VERDICT_UNKNOWN;
}

/* Each test learns how the control after it went: a client that refuses
 * that control too may have stopped trying, rather than refused the case. */
static void mark_controls(struct tp_serve *s)
{
    int next = -1;
    for (size_t k = s->n_tests; k-- > 0;) {
        struct tp_client_test *t = &s->tests[k];
        t->control_after = next;
        if (strcmp(t->id, tp_cases[0].id) == 0) {
            int a = tp_verdict_accepted(t->verdict);
            next = t->verdict == TP_VERDICT_NOT_RUN ? -1 : a == 1 ? 1 : 0;
        }
    }
}

static const struct tp_case *case_of(const struct tp_client_test *t)
{
    int i = tp_case_find(t->id);
    return i >= 0 ? &tp_cases[i] : NULL;
}

static bool already(const struct tp_serve *s, size_t k)
{
    for (size_t j = 0; j < k; j++)
        if (strcmp(s->tests[j].id, s->tests[k].id) == 0 &&
            s->tests[j].verdict == TP_VERDICT_ACCEPTED)
            return true;
    return false;
}

static tp_status control_findings(const struct tp_serve *s, struct tp_report *report)
{
    size_t run = 0, accepted = 0;
    for (size_t k = 0; k < s->n_tests; k++) {
        const struct tp_client_test *t = &s->tests[k];
        if (strcmp(t->id, tp_cases[0].id) != 0 || t->verdict == TP_VERDICT_NOT_RUN)
            continue;
        run++;
        accepted += t->verdict == TP_VERDICT_ACCEPTED;
    }
    if (run > 0 && accepted < run)
        return tp_report_add_finding(report, "serve-control-rejected",
                                     "the client refused the valid chain in %zu of %zu "
                                     "controls: is the test CA installed and --hostname the "
                                     "name it connects to? Refusals next to those say little",
                                     run - accepted, run);
    return TP_OK;
}

tp_status tp_battery_conclude(struct tp_serve *s, struct tp_report *report)
{
    mark_controls(s);
    size_t cert_run = 0, cert_accepted = 0;
    bool self_signed = false, untrusted = false;
    for (size_t k = 0; k < s->n_tests; k++) {
        const struct tp_client_test *t = &s->tests[k];
        const struct tp_case *c = case_of(t);
        if (c == NULL || c->kind == TP_CASE_CONTROL)
            continue;
        int a = tp_verdict_accepted(t->verdict);
        if (c->kind == TP_CASE_CERT && a >= 0) {
            cert_run++;
            cert_accepted += a == 1;
            self_signed |= c->cert == TLS_CERT_SELF_SIGNED;
            untrusted |= c->cert == TLS_CERT_UNTRUSTED;
        }
        if (a != 1 || already(s, k))
            continue;
        TP_TRY(tp_report_add_finding(report, c->finding,
                                     "the client completed the handshake with: %s (%s)",
                                     c->description,
                                     t->app_data ? "and sent application data"
                                                 : "no data followed, no alert either"));
    }
    /* Every certificate case decided was accepted, among them the two any
     * validation at all refuses. */
    if (cert_run > 0 && cert_accepted == cert_run && self_signed && untrusted)
        TP_TRY(tp_report_add_finding(report, "client-no-validation",
                                     "the client accepted all %zu certificate cases: it does "
                                     "not validate the server's certificate, and anyone on "
                                     "the path can impersonate its server",
                                     cert_run));
    return control_findings(s, report);
}
