/* test_target.c: cli_parse_target(), the HOST[:PORT] operand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cli/target.h"
#include "util/banned.h"

static void expect_target(const char *operand, const char *host, uint16_t port)
{
    char *got = NULL;
    uint16_t got_port = 0;
    tp_error err = {0};
    tp_status status = cli_parse_target(operand, 443, &got, &got_port, &err);
    if (status != TP_OK)
        fail_msg("'%s' rejected: %s", operand, err.msg);
    assert_string_equal(got, host);
    assert_int_equal(got_port, port);
    free(got);
}

/* A usage error whose message contains part; the outputs are untouched. */
static void expect_invalid(const char *operand, const char *part)
{
    char *got = NULL;
    uint16_t got_port = 7;
    tp_error err = {0};
    tp_status status = cli_parse_target(operand, 443, &got, &got_port, &err);
    if (status != TP_E_USAGE)
        fail_msg("'%s' accepted (host '%s', port %u)", operand, got != NULL ? got : "",
                 got_port);
    assert_null(got);
    assert_int_equal(got_port, 7);
    assert_int_equal(err.status, TP_E_USAGE);
    if (part != NULL && strstr(err.msg, part) == NULL)
        fail_msg("'%s': message '%s' lacks '%s'", operand, err.msg, part);
}

static void test_valid(void **state)
{
    (void)state;
    expect_target("example.com", "example.com", 443);
    expect_target("example.com:8443", "example.com", 8443);
    expect_target("example.com:1", "example.com", 1);
    expect_target("example.com:65535", "example.com", 65535);
    expect_target("1.2.3.4", "1.2.3.4", 443);
    expect_target("1.2.3.4:993", "1.2.3.4", 993);
    expect_target("[::1]:8443", "::1", 8443);
    expect_target("[::1]", "::1", 443);
    expect_target("::1", "::1", 443);
    expect_target("2001:db8::1", "2001:db8::1", 443);
    expect_target("[2001:db8::1]:25", "2001:db8::1", 25);
    expect_target("[fe80::1%eth0]:443", "fe80::1%eth0", 443);
    expect_target("localhost", "localhost", 443);
}

static void test_default_port_is_the_callers(void **state)
{
    (void)state;
    char *host = NULL;
    uint16_t port = 0;
    tp_error err = {0};
    assert_int_equal(cli_parse_target("mqtt.example", 8883, &host, &port, &err), TP_OK);
    assert_int_equal(port, 8883);
    free(host);
}

static void test_invalid_ports(void **state)
{
    (void)state;
    expect_invalid("1.2.3.4:0", "invalid port '0'");
    expect_invalid("example.com:65536", "invalid port '65536'");
    expect_invalid("example.com:abc", "invalid port 'abc'");
    expect_invalid("example.com:", "invalid port ''");
    expect_invalid("example.com:-1", "invalid port");
    expect_invalid("example.com:+80", "invalid port");
    expect_invalid("example.com: 80", "invalid port");
    expect_invalid("example.com:80x", "invalid port");
    expect_invalid("example.com:99999999999999999999", "invalid port");
    expect_invalid("[::1]:", "invalid port");
    expect_invalid("[::1]:0", "invalid port");
}

static void test_invalid_hosts(void **state)
{
    (void)state;
    expect_invalid("", "missing host");
    expect_invalid(":443", "missing host");
    expect_invalid("[]", "missing host");
    expect_invalid("[]:443", "missing host");
    expect_invalid("[", "missing ']'");
    expect_invalid("[::1", "missing ']'");
    expect_invalid("[::1]x", "unexpected text");
    expect_invalid("[::1]]", "unexpected text");
    expect_invalid("ho st", "invalid character");
    expect_invalid("host/path", "invalid character");
    expect_invalid("tab\there", "invalid character");
    expect_invalid("del\x7fhost", "invalid character");
    expect_invalid("a[b", "invalid character");
    expect_invalid("[a[b]", "invalid character");
}

/* RFC 1035 Sec. 2.3.4: 253 characters in text form at most. */
static void test_host_length(void **state)
{
    (void)state;
    char name[300];
    memset(name, 'a', sizeof name);
    name[253] = '\0';
    expect_target(name, name, 443);
    name[253] = 'a';
    name[254] = '\0';
    expect_invalid(name, "too long");
    memcpy(name + 254, ":443", 5);
    expect_invalid(name, "too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_default_port_is_the_callers),
        cmocka_unit_test(test_invalid_ports),
        cmocka_unit_test(test_invalid_hosts),
        cmocka_unit_test(test_host_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
