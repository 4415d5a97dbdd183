/* test_cli.c: cli_parse() (defaults, every option, conflicts, bounds) and
 * the number and duration parsers behind it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "wire/registry.h"
#include "util/banned.h"

#include "cli_test.h"

static void test_defaults(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "example.com", NULL), TP_OK);
    const struct tp_config *c = &run.cfg;
    assert_int_equal(c->action, TP_ACTION_REPORT);
    assert_string_equal(c->host, "example.com");
    assert_int_equal(c->port, 443);
    assert_int_equal(c->family, TP_FAMILY_ANY);
    assert_null(c->sni);
    assert_false(c->no_sni);
    assert_null(c->alpn);
    assert_int_equal(c->tls_min, 0);
    assert_int_equal(c->tls_max, 0);
    assert_null(c->priority);
    assert_null(c->ca_file);
    assert_int_equal(c->warn_days, TP_DEFAULT_WARN_DAYS);
    assert_int_equal(c->connect_timeout_ms, TP_DEFAULT_CONNECT_TIMEOUT_MS);
    assert_int_equal(c->timeout_ms, TP_DEFAULT_TIMEOUT_MS);
    assert_false(c->json);
    assert_int_equal(c->color, TP_COLOR_AUTO);
    assert_int_equal(c->fail_on, TP_SEV_HIGH);
    run_free(&run);
}

static void test_every_option(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "--alpn", "h2,http/1.1", "--ca-file", "/tmp/ca.pem", "--color",
                           "never", "--connect-timeout", "250ms", "--fail-on", "medium", "-4",
                           "-j", "--sni", "name.example", "--timeout", "1m", "--tls-max", "1.3",
                           "--tls-min", "1.2", "--warn-days", "7", "host.example:8443", NULL),
                     TP_OK);
    const struct tp_config *c = &run.cfg;
    assert_string_equal(c->alpn, "h2,http/1.1");
    assert_string_equal(c->ca_file, "/tmp/ca.pem");
    assert_int_equal(c->color, TP_COLOR_NEVER);
    assert_int_equal(c->connect_timeout_ms, 250);
    assert_int_equal(c->fail_on, TP_SEV_MEDIUM);
    assert_int_equal(c->family, TP_FAMILY_V4);
    assert_true(c->json);
    assert_string_equal(c->sni, "name.example");
    assert_int_equal(c->timeout_ms, 60000);
    assert_int_equal(c->tls_max, TP_VER_TLS13);
    assert_int_equal(c->tls_min, TP_VER_TLS12);
    assert_int_equal(c->warn_days, 7);
    assert_string_equal(c->host, "host.example");
    assert_int_equal(c->port, 8443);
    run_free(&run);

    assert_int_equal(parse(&run, "--ipv6", "--json", "--no-sni", "--color", "always",
                           "--priority", "NORMAL:-VERS-ALL:+VERS-TLS1.2", "[::1]", NULL),
                     TP_OK);
    assert_int_equal(run.cfg.family, TP_FAMILY_V6);
    assert_true(run.cfg.json);
    assert_true(run.cfg.no_sni);
    assert_int_equal(run.cfg.color, TP_COLOR_ALWAYS);
    assert_string_equal(run.cfg.priority, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
    assert_string_equal(run.cfg.host, "::1");
    run_free(&run);

    assert_int_equal(parse(&run, "-6", "--ipv4", NULL), TP_E_USAGE);
    expect_usage(&run, "-4", "-6");
    assert_int_equal(parse(&run, "--color=auto", "--tls-min=TLSv1.0", "h", NULL), TP_OK);
    assert_int_equal(run.cfg.color, TP_COLOR_AUTO);
    assert_int_equal(run.cfg.tls_min, TP_VER_TLS10);
    run_free(&run);
}

/* GNU getopt_long moves operands after the options. */
static void test_operand_before_options(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "h.example:993", "--json", "-4", NULL), TP_OK);
    assert_string_equal(run.cfg.host, "h.example");
    assert_int_equal(run.cfg.port, 993);
    assert_true(run.cfg.json);
    run_free(&run);
}

static void test_help_and_version(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "--help", NULL), TP_OK); /* no target needed */
    assert_int_equal(run.cfg.action, TP_ACTION_HELP);
    run_free(&run);
    assert_int_equal(parse(&run, "-h", NULL), TP_OK);
    assert_int_equal(run.cfg.action, TP_ACTION_HELP);
    run_free(&run);
    assert_int_equal(parse(&run, "-V", NULL), TP_OK);
    assert_int_equal(run.cfg.action, TP_ACTION_VERSION);
    run_free(&run);
    assert_int_equal(parse(&run, "--version", "ignored", "operands", NULL), TP_OK);
    assert_int_equal(run.cfg.action, TP_ACTION_VERSION);
    run_free(&run);
}

static void test_family_conflict(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "-4", "-6", "h", NULL);
    expect_usage(&run, "-4", "-6");
    parse(&run, "-6", "-4", "h", NULL);
    expect_usage(&run, "-4", "-6");
    parse(&run, "-46", "h", NULL);
    expect_usage(&run, "-4", "-6");
    /* Repeating one is fine. */
    assert_int_equal(parse(&run, "-4", "-4", "h", NULL), TP_OK);
    assert_int_equal(run.cfg.family, TP_FAMILY_V4);
    run_free(&run);
}

static void test_sni_conflicts(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--sni", "a.example", "--no-sni", "h", NULL);
    expect_usage(&run, "--sni", "--no-sni");
    parse(&run, "--no-sni", "--sni", "a.example", "h", NULL);
    expect_usage(&run, "--sni", "--no-sni");
    parse(&run, "--sni", "", "h", NULL);
    expect_usage(&run, "--sni", "empty");
}

/* --enum runs the vulnerability checks; --no-vulns leaves them out, and
 * means nothing without --enum or beside --vulns. */
static void test_no_vulns(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "--enum", "h", NULL), TP_OK);
    assert_true(run.cfg.enumerate);
    assert_false(run.cfg.no_vulns);
    run_free(&run);
    assert_int_equal(parse(&run, "--enum", "--no-vulns", "h", NULL), TP_OK);
    assert_true(run.cfg.no_vulns);
    run_free(&run);
    parse(&run, "--no-vulns", "h", NULL);
    expect_usage(&run, "--no-vulns", "--enum");
    parse(&run, "--enum", "--vulns", "--no-vulns", "h", NULL);
    expect_usage(&run, "--vulns", "--no-vulns");
}

static void test_no_other_chains(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "h", NULL), TP_OK);
    assert_false(run.cfg.no_other_chains);
    run_free(&run);
    assert_int_equal(parse(&run, "--no-other-chains", "--enum", "h", NULL), TP_OK);
    assert_true(run.cfg.no_other_chains);
    run_free(&run);
    parse(&run, "--no-other-chains", "--timing", "h", NULL);
    expect_usage(&run, "--no-other-chains", "--timing");
    parse(&run, "--read", "x.pcap", "--no-other-chains", NULL);
    expect_usage(&run, "--no-other-chains", "--read");
}

static void test_version_conflicts(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--tls-min", "1.3", "--tls-max", "1.2", "h", NULL);
    expect_usage(&run, "--tls-min TLSv1.3", "--tls-max TLSv1.2");
    assert_int_equal(parse(&run, "--tls-min", "1.2", "--tls-max", "1.2", "h", NULL), TP_OK);
    run_free(&run);
    parse(&run, "--priority", "NORMAL", "--tls-min", "1.2", "h", NULL);
    expect_usage(&run, "--priority", "--tls-min");
    parse(&run, "--tls-max", "1.3", "--priority", "NORMAL", "h", NULL);
    expect_usage(&run, "--priority", "--tls-max");
    parse(&run, "--tls-max", "1.4", "h", NULL);
    expect_usage(&run, "--tls-max", "1.4");
    /* SSL is never offered. */
    parse(&run, "--tls-min", "ssl3", "h", NULL);
    expect_usage(&run, "--tls-min", "ssl3");
}

static void test_bad_durations(void **state)
{
    (void)state;
    static const char *const bad[] = {"0", "5x", "99999999999", "2h", "", "-1", "+5", "1.5s",
                                      " 5", "5 s", "0ms", "61m", "3601s", "3600001ms",
                                      "18446744073709551617", "ms", "5S"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint32_t ms = 12345;
        if (cli_parse_duration_ms(bad[i], &ms) != TP_E_USAGE)
            fail_msg("duration '%s' accepted", bad[i]);
        assert_int_equal(ms, 12345);
        struct run run;
        parse(&run, "--timeout", bad[i], "h", NULL);
        expect_usage(&run, "--timeout", bad[i]);
        parse(&run, "--connect-timeout", bad[i], "h", NULL);
        expect_usage(&run, "--connect-timeout", bad[i]);
    }
    uint32_t ms;
    assert_int_equal(cli_parse_duration_ms(NULL, &ms), TP_E_USAGE);
}

static void test_good_durations(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        uint32_t ms;
    } good[] = {{"250ms", 250}, {"5s", 5000},      {"1m", 60000},         {"7", 7000},
                {"1ms", 1},     {"3600s", 3600000}, {"60m", 3600000},      {"3600", 3600000},
                {"007s", 7000}, {"1000ms", 1000},   {"3600000ms", 3600000}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        uint32_t ms = 0;
        if (cli_parse_duration_ms(good[i].text, &ms) != TP_OK)
            fail_msg("duration '%s' rejected", good[i].text);
        assert_int_equal(ms, good[i].ms);
    }
    struct run run;
    assert_int_equal(parse(&run, "--timeout", "30s", "--connect-timeout", "2s", "h", NULL),
                     TP_OK);
    assert_int_equal(run.cfg.timeout_ms, 30000);
    assert_int_equal(run.cfg.connect_timeout_ms, 2000);
    run_free(&run);
}

static void test_timeout_relation(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--connect-timeout", "10s", "--timeout", "5s", "h", NULL);
    expect_usage(&run, "--connect-timeout", "--timeout");
    /* A short --timeout alone bounds the connect too: not a conflict with
     * the connect timeout's default, which the user never chose. */
    assert_int_equal(parse(&run, "--timeout", "2s", "h", NULL), TP_OK);
    assert_int_equal(run.cfg.timeout_ms, 2000);
    assert_int_equal(run.cfg.connect_timeout_ms, 2000);
    run_free(&run);
    assert_int_equal(parse(&run, "--timeout", "5s", "--connect-timeout", "5s", "h", NULL),
                     TP_OK);
    run_free(&run);
}

static void test_fail_on(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        enum tp_severity sev;
    } good[] = {{"info", TP_SEV_INFO},         {"low", TP_SEV_LOW},
                {"medium", TP_SEV_MEDIUM},     {"high", TP_SEV_HIGH},
                {"critical", TP_SEV_CRITICAL}, {"none", TP_SEV_NONE}};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        struct run run;
        assert_int_equal(parse(&run, "--fail-on", good[i].text, "h", NULL), TP_OK);
        assert_int_equal(run.cfg.fail_on, good[i].sev);
        run_free(&run);
    }
    static const char *const bad[] = {"HIGH", "warn", "", "5", "high "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct run run;
        parse(&run, "--fail-on", bad[i], "h", NULL);
        expect_usage(&run, "--fail-on", bad[i]);
    }
}

static void test_warn_days(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "--warn-days", "0", "h", NULL), TP_OK);
    assert_int_equal(run.cfg.warn_days, 0);
    run_free(&run);
    assert_int_equal(parse(&run, "--warn-days", "3650", "h", NULL), TP_OK);
    assert_int_equal(run.cfg.warn_days, 3650);
    run_free(&run);
    static const char *const bad[] = {"3651", "-1", "", "1x", "99999999999999999999", " 1"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(&run, "--warn-days", bad[i], "h", NULL);
        expect_usage(&run, "--warn-days", NULL);
    }
}

static void test_parse_uint(void **state)
{
    (void)state;
    uint32_t v = 0;
    assert_int_equal(cli_parse_uint("0", 0, 10, &v), TP_OK);
    assert_int_equal(v, 0);
    assert_int_equal(cli_parse_uint("4294967295", 0, UINT32_MAX, &v), TP_OK);
    assert_int_equal(v, UINT32_MAX);
    v = 77;
    assert_int_equal(cli_parse_uint("4294967296", 0, UINT32_MAX, &v), TP_E_USAGE);
    assert_int_equal(cli_parse_uint("11", 0, 10, &v), TP_E_USAGE);
    assert_int_equal(cli_parse_uint("4", 5, 10, &v), TP_E_USAGE);
    assert_int_equal(cli_parse_uint("0x10", 0, 100, &v), TP_E_USAGE);
    assert_int_equal(cli_parse_uint(NULL, 0, 100, &v), TP_E_USAGE);
    assert_int_equal(v, 77);
}

static void test_other_values(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--color", "sometimes", "h", NULL);
    expect_usage(&run, "--color", "sometimes");
    parse(&run, "--alpn", "", "h", NULL);
    expect_usage(&run, "--alpn", NULL);
    parse(&run, "--alpn", "h2,,http/1.1", "h", NULL);
    expect_usage(&run, "--alpn", "h2,,http/1.1");
    parse(&run, "--alpn", "h2,", "h", NULL);
    expect_usage(&run, "--alpn", NULL);
    /* RFC 7301 Sec. 3.1: a protocol name is at most 255 bytes. */
    char name[300];
    memset(name, 'a', 256);
    name[256] = '\0';
    parse(&run, "--alpn", name, "h", NULL);
    expect_usage(&run, "--alpn", NULL);
    name[255] = '\0';
    assert_int_equal(parse(&run, "--alpn", name, "h", NULL), TP_OK);
    run_free(&run);
}

static void test_operands(void **state)
{
    (void)state;
    struct run run;
    parse(&run, NULL);
    expect_usage(&run, "missing HOST", NULL);
    parse(&run, "--json", NULL);
    expect_usage(&run, "missing HOST", NULL);
    parse(&run, "a.example", "b.example", NULL);
    expect_usage(&run, "one target", "b.example");
    parse(&run, "a.example:99999", NULL);
    expect_usage(&run, "port", "99999");
    /* "--" ends the options; the target may then look like one. */
    parse(&run, "--", "-x", NULL);
    assert_int_equal(run.status, TP_OK);
    assert_string_equal(run.cfg.host, "-x");
    run_free(&run);
}

static void test_unknown_options(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--bogus", "h", NULL);
    expect_usage(&run, "unknown option", "--bogus");
    parse(&run, "-x", "h", NULL);
    expect_usage(&run, "unknown option", "-x");
    parse(&run, "-4x", "h", NULL);
    expect_usage(&run, "unknown option", "x");
    /* An unknown letter first in a cluster is named, not argv[0]. */
    parse(&run, "-x4", "h", NULL);
    expect_usage(&run, "unknown option '-x'", NULL);
    parse(&run, "h", "--sni", NULL);
    expect_usage(&run, "needs an argument", "--sni");
    parse(&run, "--json=yes", "h", NULL);
    expect_usage(&run, "--json", NULL);
}

/* getopt keeps state between calls; each cli_parse starts afresh, even
 * after an error in the middle of a cluster of short options. */
static void test_reparse_after_error(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "-j", "-x4", "h", NULL);
    expect_usage(&run, NULL, NULL);
    assert_int_equal(parse(&run, "h2.example", NULL), TP_OK);
    assert_int_equal(run.cfg.family, TP_FAMILY_ANY);
    assert_false(run.cfg.json);
    assert_string_equal(run.cfg.host, "h2.example");
    run_free(&run);
}

/* The table is sorted by long name and every id is distinct (--help and
 * the documentation follow its order). */
static void test_option_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < tp_options_count; i++) {
        const struct tp_option *o = &tp_options[i];
        assert_non_null(o->long_name);
        assert_non_null(o->help);
        assert_true((o->arg == TP_ARG_REQUIRED) == (o->arg_name != NULL));
        if (i > 0)
            assert_true(strcmp(tp_options[i - 1].long_name, o->long_name) < 0);
        for (size_t k = 0; k < i; k++) {
            assert_int_not_equal(tp_options[k].id, o->id);
            if (o->short_name != 0)
                assert_int_not_equal(tp_options[k].short_name, o->short_name);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_option),
        cmocka_unit_test(test_operand_before_options),
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_family_conflict),
        cmocka_unit_test(test_sni_conflicts),
        cmocka_unit_test(test_no_other_chains), cmocka_unit_test(test_no_vulns),
        cmocka_unit_test(test_version_conflicts),
        cmocka_unit_test(test_bad_durations),
        cmocka_unit_test(test_good_durations),
        cmocka_unit_test(test_timeout_relation),
        cmocka_unit_test(test_fail_on),
        cmocka_unit_test(test_warn_days),
        cmocka_unit_test(test_parse_uint),
        cmocka_unit_test(test_other_values),
        cmocka_unit_test(test_operands),
        cmocka_unit_test(test_unknown_options),
        cmocka_unit_test(test_reparse_after_error),
        cmocka_unit_test(test_option_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
