/* test_net.c: resolution and connection with deadlines, on loopback only
 * (127.0.0.1 and ::1) with ephemeral ports. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sched.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "net/net.h"
#include "util/banned.h"

static void test_ip_literals(void **state)
{
    (void)state;
    static const char *const yes[] = {"127.0.0.1", "0.0.0.0", "255.255.255.255", "::1", "::",
                                      "2001:db8::1", "fe80::1%eth0", "::ffff:192.0.2.1"};
    static const char *const no[] = {"localhost", "example.com", "1.2.3", "1.2.3.4.5",
                                     "256.1.1.1", "[::1]", "2001:db8::g", "", "1.2.3.4:443",
                                     "%eth0",
                                     "0123456789012345678901234567890123456789012345678901234567"
                                     "89::1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!net_is_ip_literal(yes[i]))
            fail_msg("'%s' is an IP literal", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (net_is_ip_literal(no[i]))
            fail_msg("'%s' is not an IP literal", no[i]);
}

static tp_deadline soon(void)
{
    return tp_deadline_in_ms(5000);
}

static void test_resolve_ipv4_literal(void **state)
{
    (void)state;
    struct tp_addrlist list;
    tp_error err = {0};
    assert_int_equal(net_resolve("127.0.0.1", 8443, TP_FAMILY_ANY, soon(), &list, &err), TP_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].text, "127.0.0.1");
    assert_int_equal(list.items[0].family, AF_INET);
    const struct sockaddr_in *sin = (const struct sockaddr_in *)&list.items[0].ss;
    assert_int_equal(ntohs(sin->sin_port), 8443);
    net_addrlist_finish(&list);
    assert_null(list.items);
    assert_int_equal(list.count, 0);
}

/* An IPv4 literal has no IPv6 address: -6 makes that an error. */
static void test_resolve_family_filter(void **state)
{
    (void)state;
    struct tp_addrlist list;
    tp_error err = {0};
    assert_int_equal(net_resolve("127.0.0.1", 443, TP_FAMILY_V6, soon(), &list, &err),
                     TP_E_RESOLVE);
    assert_null(list.items);
    assert_int_equal(list.count, 0);
}

static bool have_ipv6_loopback(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
    bool ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

static void test_resolve_ipv6_literal(void **state)
{
    (void)state;
    if (!have_ipv6_loopback()) {
        print_message("::1 is not configured on this host\n");
        skip();
    }
    struct tp_addrlist list;
    tp_error err = {0};
    assert_int_equal(net_resolve("::1", 443, TP_FAMILY_ANY, soon(), &list, &err), TP_OK);
    assert_int_equal(list.count, 1);
    assert_string_equal(list.items[0].text, "::1");
    assert_int_equal(list.items[0].family, AF_INET6);
    net_addrlist_finish(&list);
}

static void test_resolve_localhost(void **state)
{
    (void)state;
    struct tp_addrlist list;
    tp_error err = {0};
    assert_int_equal(net_resolve("localhost", 443, TP_FAMILY_V4, soon(), &list, &err), TP_OK);
    assert_true(list.count >= 1);
    for (size_t i = 0; i < list.count; i++) {
        assert_int_equal(list.items[i].family, AF_INET);
        assert_int_equal(strncmp(list.items[i].text, "127.", 4), 0);
        /* Duplicates are removed. */
        for (size_t k = 0; k < i; k++)
            assert_string_not_equal(list.items[k].text, list.items[i].text);
    }
    net_addrlist_finish(&list);
}

/* RFC 6761 Sec. 6.4: names under .invalid never resolve. glibc still asks the
 * configured resolver, so the lookup runs in a child inside a fresh, empty
 * network namespace: no query can leave the machine. The child re-executes
 * this program: after fork() alone it would inherit getaddrinfo_a()'s
 * bookkeeping of helper threads that exist only in the parent, and wait
 * for them forever. */
#define RESOLVE_CHILD_FLAG "--resolve-invalid-in-netns"
static int resolve_invalid_in_child(void)
{
    if (unshare(CLONE_NEWNET) != 0)
        return 77;
    struct tp_addrlist list;
    tp_error err = {0};
    tp_status status =
        net_resolve("no-such-host.invalid", 443, TP_FAMILY_ANY, soon(), &list, &err);
    if (status != TP_E_RESOLVE || err.status != TP_E_RESOLVE ||
        strstr(err.msg, "no-such-host.invalid") == NULL || list.count != 0 ||
        list.items != NULL)
        return 1;
    return 0;
}

static void test_resolve_invalid_name(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char *const child_argv[] = {(char *)"test-net", (char *)RESOLVE_CHILD_FLAG, NULL};
        execv("/proc/self/exe", child_argv);
        _exit(127);
    }
    int wstatus = 0;
    assert_int_equal(waitpid(pid, &wstatus, 0), pid);
    assert_true(WIFEXITED(wstatus));
    if (WEXITSTATUS(wstatus) == 77)
        skip(); /* not root: cannot make a network namespace */
    assert_int_equal(WEXITSTATUS(wstatus), 0);
}

/* A listening socket on 127.0.0.1 with an ephemeral port. */
static int listen_loopback(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(fd, 4), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

/* A loopback port nobody listens on: bind one, note it, close it. */
static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

static struct tp_addr loopback_addr(uint16_t port)
{
    struct tp_addr a;
    memset(&a, 0, sizeof a);
    struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.len = sizeof *sin;
    a.family = AF_INET;
    memcpy(a.text, "127.0.0.1", sizeof "127.0.0.1");
    return a;
}

static void test_connect_refused(void **state)
{
    (void)state;
    struct tp_addr a = loopback_addr(closed_port());
    tp_error err = {0};
    int fd = -1;
    uint64_t start = tp_now_ns();
    assert_int_equal(net_connect_addr(&a, 2000, soon(), &fd, &err), TP_E_CONNECT);
    assert_true(tp_now_ns() - start < 1000000000u); /* refused at once, no wait */
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err.msg, "127.0.0.1"));
}

static void test_connect_ok(void **state)
{
    (void)state;
    uint16_t port;
    int lfd = listen_loopback(&port);
    struct tp_addr a = loopback_addr(port);
    tp_error err = {0};
    int fd = -1;
    assert_int_equal(net_connect_addr(&a, 2000, soon(), &fd, &err), TP_OK);
    assert_true(fd >= 0);
    int peer = accept(lfd, NULL, NULL);
    assert_true(peer >= 0);
    assert_int_equal(write(fd, "x", 1), 1);
    char c = 0;
    assert_int_equal(read(peer, &c, 1), 1);
    assert_int_equal(c, 'x');
    close(peer);
    close(fd);
    close(lfd);
}

static void test_connect_deadline_passed(void **state)
{
    (void)state;
    uint16_t port;
    int lfd = listen_loopback(&port);
    struct tp_addr a = loopback_addr(port);
    tp_error err = {0};
    int fd = -1;
    tp_deadline past = {.at_ns = 1};
    assert_int_equal(net_connect_addr(&a, 2000, past, &fd, &err), TP_E_TIMEOUT);
    assert_int_equal(fd, -1);
    assert_non_null(strstr(err.msg, "timed out"));
    close(lfd);
}

static void test_connect_first(void **state)
{
    (void)state;
    uint16_t port;
    int lfd = listen_loopback(&port);
    struct tp_addr items[2] = {loopback_addr(closed_port()), loopback_addr(port)};
    struct tp_addrlist list = {.items = items, .count = 2};
    struct tp_report report;
    tp_report_init(&report);
    tp_error err = {0};
    int fd = -1;
    size_t which = 99;
    assert_int_equal(net_connect_first(&list, 2000, soon(), &report, &fd, &which, &err), TP_OK);
    assert_int_equal(which, 1);
    assert_true(fd >= 0);
    assert_int_equal(report.n_attempts, 2);
    assert_string_equal(report.attempts[0].address, "127.0.0.1");
    assert_int_equal(report.attempts[0].family, AF_INET);
    assert_int_equal(report.attempts[0].result, TP_E_CONNECT);
    assert_non_null(report.attempts[0].error);
    assert_int_equal(report.attempts[1].result, TP_OK);
    assert_null(report.attempts[1].error);
    close(fd);
    close(lfd);
    tp_report_finish(&report);
}

static void test_connect_first_all_fail(void **state)
{
    (void)state;
    struct tp_addr items[2] = {loopback_addr(closed_port()), loopback_addr(closed_port())};
    struct tp_addrlist list = {.items = items, .count = 2};
    struct tp_report report;
    tp_report_init(&report);
    tp_error err = {0};
    int fd = -1;
    size_t which = 99;
    assert_int_equal(net_connect_first(&list, 2000, soon(), &report, &fd, &which, &err),
                     TP_E_CONNECT);
    assert_int_equal(report.n_attempts, 2);
    assert_int_equal(which, 99);
    assert_non_null(strstr(err.msg, "and 1 more address tried"));
    tp_report_finish(&report);

    /* With the deadline already gone, one attempt is recorded and the
     * message does not claim more were tried. */
    tp_report_init(&report);
    tp_error_clear(&err);
    tp_deadline past = {.at_ns = 1};
    assert_int_equal(net_connect_first(&list, 2000, past, &report, &fd, &which, &err),
                     TP_E_TIMEOUT);
    assert_int_equal(report.n_attempts, 1);
    assert_int_equal(report.attempts[0].result, TP_E_TIMEOUT);
    assert_null(strstr(err.msg, "more address"));
    tp_report_finish(&report);

    struct tp_addrlist empty = {0};
    tp_report_init(&report);
    tp_error_clear(&err);
    assert_int_equal(net_connect_first(&empty, 2000, soon(), &report, &fd, &which, &err),
                     TP_E_CONNECT);
    assert_int_equal(report.n_attempts, 0);
    tp_report_finish(&report);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], RESOLVE_CHILD_FLAG) == 0)
        return resolve_invalid_in_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ip_literals),
        cmocka_unit_test(test_resolve_ipv4_literal),
        cmocka_unit_test(test_resolve_family_filter),
        cmocka_unit_test(test_resolve_ipv6_literal),
        cmocka_unit_test(test_resolve_localhost),
        cmocka_unit_test(test_resolve_invalid_name),
        cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_connect_ok),
        cmocka_unit_test(test_connect_deadline_passed),
        cmocka_unit_test(test_connect_first),
        cmocka_unit_test(test_connect_first_all_fail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
