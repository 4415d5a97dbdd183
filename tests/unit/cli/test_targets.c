/* test_targets.c: --targets lines (cli_parse_target_line) and --shard K/N. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/cli.h"
#include "cli/targets.h"
#include "util/banned.h"

static struct tp_target_line parse_ok(const char *text, enum tp_starttls base)
{
    struct tp_target_line t;
    tp_error err = {0};
    if (cli_parse_target_line(text, base, &t, &err) != TP_OK)
        fail_msg("'%s' rejected: %s", text, err.msg);
    return t;
}

static void expect_bad(const char *text, const char *part)
{
    struct tp_target_line t;
    tp_error err = {0};
    tp_status status = cli_parse_target_line(text, TP_STARTTLS_NONE, &t, &err);
    if (status != TP_E_USAGE)
        fail_msg("'%s' accepted", text);
    assert_null(t.host);
    assert_null(t.sni);
    if (strstr(err.msg, part) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", text, err.msg, part);
}

static void test_host_and_port(void **state)
{
    (void)state;
    struct tp_target_line t = parse_ok("example.test:8443", TP_STARTTLS_NONE);
    assert_string_equal(t.host, "example.test");
    assert_int_equal(t.port, 8443);
    assert_null(t.sni);
    assert_false(t.no_sni);
    assert_false(t.has_starttls);
    cli_target_line_finish(&t);

    t = parse_ok("  \t[::1]:4433   ", TP_STARTTLS_NONE);
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 4433);
    cli_target_line_finish(&t);

    t = parse_ok("host.test", TP_STARTTLS_NONE);
    assert_int_equal(t.port, 443);
    cli_target_line_finish(&t);
}

static void test_options(void **state)
{
    (void)state;
    struct tp_target_line t = parse_ok("mx.test sni=mail.test starttls=smtp # the MX",
                                       TP_STARTTLS_NONE);
    assert_string_equal(t.host, "mx.test");
    assert_int_equal(t.port, 25); /* the line's protocol's port */
    assert_string_equal(t.sni, "mail.test");
    assert_true(t.has_starttls);
    assert_int_equal(t.starttls, TP_STARTTLS_SMTP);
    cli_target_line_finish(&t);

    t = parse_ok("imap.test\tno-sni", TP_STARTTLS_IMAP);
    assert_int_equal(t.port, 143); /* the command line's --starttls */
    assert_true(t.no_sni);
    assert_false(t.has_starttls);
    cli_target_line_finish(&t);
}

static void test_blank_and_comments(void **state)
{
    (void)state;
    const char *skipped[] = {"", "   ", "\t", "# a comment", "   #indented", "#host:443"};
    for (size_t i = 0; i < sizeof skipped / sizeof skipped[0]; i++) {
        assert_true(cli_target_line_is_blank(skipped[i]));
        struct tp_target_line t = parse_ok(skipped[i], TP_STARTTLS_NONE);
        assert_null(t.host);
    }
    assert_false(cli_target_line_is_blank("host"));
    assert_false(cli_target_line_is_blank("  host # comment"));
}

static void test_bad_lines(void **state)
{
    (void)state;
    expect_bad("host:0", "invalid port");
    expect_bad("host:99999", "invalid port");
    expect_bad("host:443 port=1", "unknown option 'port=1'");
    expect_bad("host sni=a sni=b", "twice");
    expect_bad("host sni=a no-sni", "no-sni given twice, or with sni=");
    expect_bad("host no-sni no-sni", "twice");
    expect_bad("host sni=", "sni=");
    expect_bad("host starttls=gopher", "starttls=");
    expect_bad("host starttls=smtp starttls=imap", "twice");
    expect_bad("[::1:443", "missing ']'");
    char longline[TP_MAX_TARGET_LINE + 8];
    memset(longline, 'a', sizeof longline - 1);
    longline[sizeof longline - 1] = '\0';
    expect_bad(longline, "longer than");
}

static void test_target_config(void **state)
{
    (void)state;
    struct tp_config base = {0};
    base.host = NULL;
    base.sni = "base.test";
    base.starttls = TP_STARTTLS_IMAP;
    base.timeout_ms = 1234;
    struct tp_target_line t = parse_ok("a.test:1 no-sni", TP_STARTTLS_IMAP);
    struct tp_config out;
    cli_target_config(&base, &t, &out);
    assert_string_equal(out.host, "a.test");
    assert_int_equal(out.port, 1);
    assert_null(out.sni);
    assert_true(out.no_sni);
    assert_int_equal(out.starttls, TP_STARTTLS_IMAP);
    assert_int_equal(out.timeout_ms, 1234);
    assert_true(out.quiet_progress);
    assert_string_equal(base.sni, "base.test"); /* the base is untouched */
    cli_target_line_finish(&t);

    t = parse_ok("b.test sni=b.example starttls=smtp", TP_STARTTLS_IMAP);
    cli_target_config(&base, &t, &out);
    assert_string_equal(out.sni, "b.example");
    assert_int_equal(out.starttls, TP_STARTTLS_SMTP);
    assert_int_equal(out.port, 25);
    cli_target_line_finish(&t);
}

static void test_parse_shard(void **state)
{
    (void)state;
    uint32_t k = 99, n = 99;
    assert_int_equal(cli_parse_shard("0/1", &k, &n), TP_OK);
    assert_int_equal(k, 0);
    assert_int_equal(n, 1);
    assert_int_equal(cli_parse_shard("3/4", &k, &n), TP_OK);
    assert_int_equal(k, 3);
    assert_int_equal(n, 4);
    const char *bad[] = {"4/4", "1/0", "/4", "1/", "1", "-1/4", "1/4x", "a/b", "1//4",
                         "0/1000001", ""};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        k = n = 7;
        if (cli_parse_shard(bad[i], &k, &n) != TP_E_USAGE)
            fail_msg("--shard '%s' accepted", bad[i]);
        assert_int_equal(k, 7);
        assert_int_equal(n, 7);
    }
}

/* Every index lands in exactly one shard, and shards are near equal. */
static void test_shards_partition(void **state)
{
    (void)state;
    for (uint32_t n = 1; n <= 7; n++) {
        uint32_t sizes[7] = {0};
        for (uint64_t i = 0; i < 100; i++) {
            int owners = 0;
            for (uint32_t k = 0; k < n; k++)
                if (cli_shard_selects(i, k, n)) {
                    owners++;
                    sizes[k]++;
                }
            assert_int_equal(owners, 1);
        }
        for (uint32_t k = 0; k < n; k++)
            assert_in_range(sizes[k], 100 / n, 100 / n + 1);
    }
    assert_true(cli_shard_selects(12345, 0, 0)); /* no --shard: every target */
    assert_true(cli_shard_selects(5, 1, 4));
    assert_false(cli_shard_selects(5, 0, 4));
}

/* cli_parse() with "tlsprobe" and the given words. The config borrows
 * argv's strings, so argv lives in the struct until release(). */
struct parsed {
    char *argv[16];
    int argc;
    struct tp_config cfg;
    tp_error err;
};

static tp_status parse_argv(struct parsed *p, int n, const char **words)
{
    memset(p, 0, sizeof *p);
    p->argv[p->argc++] = strdup("tlsprobe");
    for (int i = 0; i < n; i++)
        p->argv[p->argc++] = strdup(words[i]);
    return cli_parse(p->argc, p->argv, &p->cfg, &p->err);
}

static void release(struct parsed *p)
{
    cli_config_finish(&p->cfg);
    for (int i = 0; i < p->argc; i++)
        free(p->argv[i]);
}

#define PARSE(p, ...)                                                                            \
    parse_argv(p, (int)(sizeof((const char *[]){__VA_ARGS__}) / sizeof(const char *)),          \
               (const char *[]){__VA_ARGS__})

static void expect_usage(tp_status status, struct parsed *p, const char *part)
{
    release(p);
    assert_int_equal(status, TP_E_USAGE);
    if (strstr(p->err.msg, part) == NULL)
        fail_msg("message '%s' lacks '%s'", p->err.msg, part);
}

static void test_fleet_options(void **state)
{
    (void)state;
    struct parsed p;
    assert_int_equal(PARSE(&p, "--targets", "list.txt"), TP_OK);
    assert_string_equal(p.cfg.targets_file, "list.txt");
    assert_null(p.cfg.host);
    assert_int_equal(p.cfg.jobs, TP_DEFAULT_JOBS);
    assert_int_equal(p.cfg.shard_count, 0);
    release(&p);

    assert_int_equal(PARSE(&p, "--targets", "-", "--jobs", "256", "--shard", "2/3", "--enum",
                           "--timeout", "5s"),
                     TP_OK);
    assert_string_equal(p.cfg.targets_file, "-");
    assert_int_equal(p.cfg.jobs, 256);
    assert_int_equal(p.cfg.shard_index, 2);
    assert_int_equal(p.cfg.shard_count, 3);
    assert_int_equal(p.cfg.timeout_ms, 5000);
    assert_int_equal(p.cfg.parallel, TP_DEFAULT_PARALLEL);
    release(&p);

    expect_usage(PARSE(&p, "--targets", "l", "host"), &p, "--targets");
    expect_usage(PARSE(&p, "host", "--targets", "l"), &p, "HOST");
    expect_usage(PARSE(&p, "--jobs", "2", "host"), &p, "--jobs needs --targets");
    expect_usage(PARSE(&p, "--shard", "0/2", "host"), &p, "--shard needs --targets");
    expect_usage(PARSE(&p, "--targets", "l", "--jobs", "0"), &p, "--jobs");
    expect_usage(PARSE(&p, "--targets", "l", "--jobs", "257"), &p, "--jobs");
    expect_usage(PARSE(&p, "--targets", "l", "--shard", "2/2"), &p, "--shard");
    expect_usage(PARSE(&p, "--targets", ""), &p, "--targets");
    expect_usage(PARSE(&p, "--targets", "l", "--read", "x.pcap"), &p, "--read");
    expect_usage(PARSE(&p, "--targets", "l", "--timing", "--capture"), &p, "--capture");
    expect_usage(PARSE(&p, "--targets", "l", "--parallel", "4"), &p, "--parallel needs --enum");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_and_port),   cmocka_unit_test(test_options),
        cmocka_unit_test(test_blank_and_comments), cmocka_unit_test(test_bad_lines),
        cmocka_unit_test(test_target_config),   cmocka_unit_test(test_parse_shard),
        cmocka_unit_test(test_shards_partition), cmocka_unit_test(test_fleet_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
