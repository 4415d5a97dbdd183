/* test_cli_serve.c: the --serve options of cli_parse(): the listen address
 * (port 0 included), the defaults --serve brings, --cases, and the
 * combinations refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "serve/battery.h"
#include "util/banned.h"

#include "cli_test.h"

static void addresses(void **state)
{
    (void)state;
    static const struct {
        const char *arg, *host;
        uint16_t port;
    } good[] = {
        {"127.0.0.1:4443", "127.0.0.1", 4443}, {"0.0.0.0:8883", "0.0.0.0", 8883},
        {"127.0.0.1:0", "127.0.0.1", 0},       {"[::1]:0", "::1", 0},
        {"[::]:8883", "::", 8883},             {"localhost:10", "localhost", 10},
    };
    struct run run;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(parse(&run, "--serve", good[i].arg, "--hostname", "dev", NULL), TP_OK);
        assert_true(run.cfg.serve);
        assert_string_equal(run.cfg.serve_host, good[i].host);
        assert_int_equal(run.cfg.serve_port, good[i].port);
        run_free(&run);
    }
    static const char *const bad[] = {"127.0.0.1", "[::1]", ":443", "127.0.0.1:65536",
                                      "[::1", "h:x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        parse(&run, "--serve", bad[i], "--hostname", "dev", NULL);
        assert_int_equal(run.status, TP_E_USAGE);
        run_free(&run);
    }
}

static void defaults(void **state)
{
    (void)state;
    struct run run;
    assert_int_equal(parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", NULL), TP_OK);
    assert_int_equal(run.cfg.timeout_ms, TP_DEFAULT_SERVE_TIMEOUT_MS);
    assert_int_equal(run.cfg.serve_wait_ms, TP_DEFAULT_SERVE_WAIT_MS);
    assert_false(run.cfg.serve_cases_given);
    assert_null(run.cfg.host);
    run_free(&run);
    assert_int_equal(parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--timeout",
                           "30s", "--serve-wait", "500ms", "--connections", "7", "--cases",
                           "sha1,tls10", "--serve-ca", "ca.pem", "--serve-ca-key", "ca.key",
                           "--json", "--fail-on", "critical", NULL),
                     TP_OK);
    assert_int_equal(run.cfg.timeout_ms, 30000);
    assert_int_equal(run.cfg.serve_wait_ms, 500);
    assert_int_equal(run.cfg.serve_connections, 7);
    assert_true(run.cfg.serve_cases_given);
    assert_true(run.cfg.serve_cases[0]);
    assert_true(run.cfg.serve_cases[tp_case_find("sha1")]);
    assert_true(run.cfg.serve_cases[tp_case_find("tls10")]);
    assert_false(run.cfg.serve_cases[tp_case_find("expired")]);
    assert_string_equal(run.cfg.serve_ca, "ca.pem");
    assert_string_equal(run.cfg.serve_ca_key, "ca.key");
    assert_int_equal(run.cfg.starttls, TP_STARTTLS_NONE);
    run_free(&run);
    assert_int_equal(parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--starttls",
                           "imap", NULL),
                     TP_OK);
    assert_int_equal(run.cfg.starttls, TP_STARTTLS_IMAP);
    run_free(&run);
}

static void conflicts(void **state)
{
    (void)state;
    struct run run;
    parse(&run, "--serve", "127.0.0.1:0", NULL);
    expect_usage(&run, "--hostname", NULL);
    parse(&run, "--hostname", "dev", "host", NULL);
    expect_usage(&run, "--hostname needs --serve", NULL);
    parse(&run, "--cases", "sha1", "host", NULL);
    expect_usage(&run, "--cases needs --serve", NULL);
    parse(&run, "--serve-wait", "1s", "host", NULL);
    expect_usage(&run, "--serve-wait needs --serve", NULL);
    parse(&run, "--connections", "3", "host", NULL);
    expect_usage(&run, "--connections needs --serve", NULL);
    parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "host", NULL);
    expect_usage(&run, "takes no HOST", NULL);
    parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--serve-ca-key", "k", NULL);
    expect_usage(&run, "go together", NULL);
    static const char *const others[][2] = {
        {"--enum", NULL},     {"--timing", NULL},   {"--read", "x.pcap"},
        {"--sni", "x"},       {"--alpn", "h2"},     {"--ca-file", "x.pem"},
        {"--tls-max", "1.2"}, {"--priority", "NORMAL"},
        {"-6", NULL},
    };
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        if (others[i][1] != NULL)
            parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", others[i][0], others[i][1],
                  NULL);
        else
            parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", others[i][0], NULL);
        expect_usage(&run, "cannot be combined", NULL);
    }
    /* --starttls: the server side of the line-based protocols only. */
    parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--starttls", "ldap", NULL);
    expect_usage(&run, "--serve --starttls ldap: the server side speaks smtp, lmtp, imap, pop3, "
                       "ftp, nntp", NULL);
    parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--cases", "valid,nope", NULL);
    expect_usage(&run, "unknown case 'nope'", NULL);
    parse(&run, "--serve", "127.0.0.1:0", "--hostname", "dev", "--connections", "0", NULL);
    expect_usage(&run, "--connections", NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(addresses),
        cmocka_unit_test(defaults),
        cmocka_unit_test(conflicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
