/* The --serve case table, --cases, the schedule with its controls, the
 * verdict of one connection and the findings drawn from the verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "grade/catalog.h"
#include "serve/battery.h"

#include "util/banned.h"

/* Every case has a unique id, the control comes first, every other case
 * names a finding that the catalog knows, and the documented order holds. */
static void table(void **state)
{
    (void)state;
    static const char *const order[] = {"valid", "expired", "not-yet-valid", "self-signed",
                                        "wrong-host", "untrusted", "not-ca", "wrong-eku",
                                        "bad-signature", "rsa1024", "sha1", "tls10",
                                        "static-rsa", "3des", "rc4"};
    assert_int_equal(tp_cases_count, sizeof order / sizeof order[0]);
    for (size_t i = 0; i < tp_cases_count; i++) {
        assert_string_equal(tp_cases[i].id, order[i]);
        assert_int_equal(tp_case_find(order[i]), (int)i);
        assert_non_null(tp_cases[i].priority);
        assert_true(strlen(tp_cases[i].description) <= 56); /* the text table's column */
        if (i == 0) {
            assert_int_equal(tp_cases[i].kind, TP_CASE_CONTROL);
            assert_null(tp_cases[i].finding);
            continue;
        }
        assert_int_not_equal(tp_cases[i].kind, TP_CASE_CONTROL);
        char want[64];
        snprintf(want, sizeof want, "client-accepts-%s", tp_cases[i].id);
        assert_string_equal(tp_cases[i].finding, want);
        assert_non_null(tp_finding_lookup(want));
        /* Protocol cases present the valid chain; certificate cases do not. */
        assert_true((tp_cases[i].kind == TP_CASE_PROTOCOL) == (tp_cases[i].cert == TLS_CERT_VALID));
    }
    assert_int_equal(tp_case_find("nope"), -1);
    assert_non_null(tp_finding_lookup("client-no-validation"));
    assert_non_null(tp_finding_lookup("serve-control-rejected"));
}

static void cases_parse(void **state)
{
    (void)state;
    bool sel[TP_MAX_CASES];
    tp_error err = {0};
    assert_int_equal(tp_cases_parse("rc4,expired", sel, &err), TP_OK);
    assert_true(sel[0]); /* the control, always */
    assert_true(sel[tp_case_find("rc4")]);
    assert_true(sel[tp_case_find("expired")]);
    assert_false(sel[tp_case_find("sha1")]);
    assert_int_equal(tp_cases_parse("valid", sel, &err), TP_OK);
    static const char *const bad[] = {"", ",", "expired,", "nope", "expired,expired", ",rc4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tp_error_clear(&err);
        assert_int_equal(tp_cases_parse(bad[i], sel, &err), TP_E_USAGE);
        assert_true(err.msg[0] != '\0');
    }
}

static void schedule(void **state)
{
    (void)state;
    size_t out[64];
    size_t n = tp_schedule(NULL, out, 64);
    /* 14 cases, a control first, after every three and at the end. */
    assert_int_equal(n, 20);
    size_t controls = 0, since = 0;
    for (size_t i = 0; i < n; i++) {
        if (out[i] == 0) {
            controls++;
            since = 0;
            continue;
        }
        assert_true(++since <= TP_CONTROL_EVERY);
    }
    assert_int_equal(controls, 6);
    assert_int_equal(out[0], 0);
    assert_int_equal(out[n - 1], 0);
    /* Cases keep the table's order. */
    for (size_t i = 1, last = 0; i < n; i++)
        if (out[i] != 0) {
            assert_true(out[i] > last);
            last = out[i];
        }
    bool sel[TP_MAX_CASES];
    tp_error err = {0};
    assert_int_equal(tp_cases_parse("sha1,expired", sel, &err), TP_OK);
    n = tp_schedule(sel, out, 64);
    assert_int_equal(n, 4);
    assert_int_equal(out[1], (size_t)tp_case_find("expired"));
    assert_int_equal(out[2], (size_t)tp_case_find("sha1"));
    assert_int_equal(tp_cases_parse("valid", sel, &err), TP_OK);
    assert_int_equal(tp_schedule(sel, out, 64), 1);
    /* A short array is never overrun. */
    assert_int_equal(tp_schedule(NULL, out, 5), 5);
    assert_int_equal(tp_schedule(NULL, out, 0), 0);
}

static struct tls_serve_result result(enum tls_serve_end end, enum tls_serve_after after)
{
    struct tls_serve_result r;
    memset(&r, 0, sizeof r);
    r.end = end;
    r.after = after;
    r.alert = -1;
    return r;
}

static void verdicts(void **state)
{
    (void)state;
    static const struct {
        enum tls_serve_end end;
        enum tls_serve_after after;
        enum tp_client_verdict want;
    } rows[] = {
        {TLS_SERVE_DONE, TLS_AFTER_DATA, TP_VERDICT_ACCEPTED},
        {TLS_SERVE_DONE, TLS_AFTER_IDLE, TP_VERDICT_ACCEPTED},
        {TLS_SERVE_DONE, TLS_AFTER_ALERT, TP_VERDICT_REJECTED_AFTER},
        {TLS_SERVE_DONE, TLS_AFTER_CLOSED, TP_VERDICT_REJECTED_AFTER},
        {TLS_SERVE_ALERT, TLS_AFTER_NONE, TP_VERDICT_REJECTED},
        {TLS_SERVE_NO_COMMON, TLS_AFTER_NONE, TP_VERDICT_REJECTED},
        {TLS_SERVE_CLOSED, TLS_AFTER_NONE, TP_VERDICT_GONE},
        {TLS_SERVE_TIMEOUT, TLS_AFTER_NONE, TP_VERDICT_GONE},
        {TLS_SERVE_ERROR, TLS_AFTER_NONE, TP_VERDICT_UNKNOWN},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        struct tls_serve_result r = result(rows[i].end, rows[i].after);
        assert_int_equal(tp_verdict_of(&r), rows[i].want);
    }
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_ACCEPTED), 1);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_REJECTED), 0);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_REJECTED_AFTER), 0);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_GONE), -1);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_UNKNOWN), -1);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_NOT_RUN), -1);
    assert_int_equal(tp_verdict_accepted(TP_VERDICT_UNAVAILABLE), -1);
    assert_string_equal(tp_verdict_name(TP_VERDICT_REJECTED_AFTER), "rejected-after-handshake");
}

/* A serve model with the full schedule, every test given verdict v, the
 * controls given control. */
static void fill(struct tp_serve *s, enum tp_client_verdict v, enum tp_client_verdict control)
{
    size_t order[64];
    size_t n = tp_schedule(NULL, order, 64);
    tp_serve_init(s);
    s->tests = calloc(n, sizeof *s->tests);
    assert_non_null(s->tests);
    s->n_tests = n;
    for (size_t k = 0; k < n; k++) {
        const struct tp_case *c = &tp_cases[order[k]];
        s->tests[k] = (struct tp_client_test){.id = c->id, .description = c->description,
                                              .kind = tp_case_kind_name(c->kind),
                                              .verdict = order[k] == 0 ? control : v,
                                              .alert = -1, .offer = -1};
    }
}

static bool has(const struct tp_report *r, const char *id)
{
    for (size_t i = 0; i < r->n_findings; i++)
        if (strcmp(r->findings[i].id, id) == 0)
            return true;
    return false;
}

static void findings_insecure(void **state)
{
    (void)state;
    struct tp_serve s;
    struct tp_report r;
    tp_report_init(&r);
    fill(&s, TP_VERDICT_ACCEPTED, TP_VERDICT_ACCEPTED);
    assert_int_equal(tp_battery_conclude(&s, &r), TP_OK);
    for (size_t i = 1; i < tp_cases_count; i++)
        assert_true(has(&r, tp_cases[i].finding));
    assert_true(has(&r, "client-no-validation"));
    assert_false(has(&r, "serve-control-rejected"));
    /* One finding per case, however often it ran. */
    assert_int_equal(r.n_findings, tp_cases_count - 1 + 1);
    assert_int_equal(s.tests[1].control_after, 1);
    tp_serve_finish(&s);
    tp_report_finish(&r);
}

static void findings_validating(void **state)
{
    (void)state;
    struct tp_serve s;
    struct tp_report r;
    tp_report_init(&r);
    fill(&s, TP_VERDICT_REJECTED, TP_VERDICT_ACCEPTED);
    /* Accepting one certificate case is that case, not "no validation". */
    s.tests[tp_case_find("wrong-host") + 1].verdict = TP_VERDICT_ACCEPTED;
    assert_string_equal(s.tests[tp_case_find("wrong-host") + 1].id, "wrong-host");
    assert_int_equal(tp_battery_conclude(&s, &r), TP_OK);
    assert_int_equal(r.n_findings, 1);
    assert_true(has(&r, "client-accepts-wrong-host"));
    tp_serve_finish(&s);
    tp_report_finish(&r);
}

/* A client that gave up: the controls fail too, which the tests before
 * them say, and nothing is concluded from refusals. */
static void findings_gave_up(void **state)
{
    (void)state;
    struct tp_serve s;
    struct tp_report r;
    tp_report_init(&r);
    fill(&s, TP_VERDICT_GONE, TP_VERDICT_GONE);
    s.tests[0].verdict = TP_VERDICT_ACCEPTED;
    assert_int_equal(tp_battery_conclude(&s, &r), TP_OK);
    assert_true(has(&r, "serve-control-rejected"));
    assert_false(has(&r, "client-no-validation"));
    assert_int_equal(r.n_findings, 1);
    assert_int_equal(s.tests[1].control_after, 0);
    assert_int_equal(s.tests[s.n_tests - 1].control_after, -1);
    tp_serve_finish(&s);
    tp_report_finish(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table),
        cmocka_unit_test(cases_parse),
        cmocka_unit_test(schedule),
        cmocka_unit_test(verdicts),
        cmocka_unit_test(findings_insecure),
        cmocka_unit_test(findings_validating),
        cmocka_unit_test(findings_gave_up),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
