/* test_starttls_serve.c: the server side of the STARTTLS dialects
 * (net/starttls_serve.h). Both tables meet: tlsprobe's own client side
 * (net/starttls.h) talks to the server side, step by step, and must reach
 * TLS; then single commands whole, cut at every byte, and wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "net/starttls.h"
#include "net/starttls_serve.h"
#include "util/banned.h"

#define S(s) (const uint8_t *)(s), sizeof(s) - 1

static const enum tp_starttls served[] = {TP_STARTTLS_SMTP, TP_STARTTLS_LMTP, TP_STARTTLS_IMAP,
                                          TP_STARTTLS_POP3, TP_STARTTLS_FTP, TP_STARTTLS_NNTP};

/* The client side's dialogue against the server side's: each request is
 * answered, each answer judged, until the client's last step is DONE and
 * the server said TLS. */
static void test_client_meets_server(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof served / sizeof served[0]; k++) {
        enum tp_starttls proto = served[k];
        const char *greeting = net_starttls_serve_greeting(proto);
        assert_non_null(greeting);
        assert_true(net_starttls_serve_supported(proto));
        uint8_t from_server[4096];
        size_t have = strlen(greeting);
        memcpy(from_server, greeting, have);
        bool tls = false;
        size_t steps = net_starttls_steps(proto);
        for (size_t step = 0; step < steps; step++) {
            uint8_t req[TP_STARTTLS_MAX_REQUEST];
            size_t n = 0;
            tp_error err = {0};
            assert_int_equal(net_starttls_request(proto, step, "localhost", req, sizeof req, &n,
                                                  &err),
                             TP_OK);
            if (n > 0) {
                struct tp_starttls_serve_answer a;
                enum tp_starttls_serve_action act = net_starttls_serve_answer(proto, req, n, &a);
                assert_true(act == TP_SS_REPLY || act == TP_SS_TLS);
                assert_int_equal(a.used, n);
                tls = act == TP_SS_TLS;
                assert_true(have + a.reply_len <= sizeof from_server);
                memcpy(from_server + have, a.reply, a.reply_len);
                have += a.reply_len;
            }
            struct tp_starttls_reply r;
            if (net_starttls_judge(proto, step, from_server, have, &r) != TP_STARTTLS_DONE)
                fail_msg("%s step %zu: %s", net_starttls_name(proto), step, r.msg);
            memmove(from_server, from_server + r.used, have - r.used);
            have -= r.used;
        }
        assert_true(tls);
        assert_int_equal(have, 0);
    }
}

struct answer_case {
    const char *name;
    enum tp_starttls proto;
    const uint8_t *bytes;
    size_t len;
    enum tp_starttls_serve_action want;
    const char *reply; /* the reply's start, or the message's substring (ERROR) */
};

static const struct answer_case cases[] = {
    {"smtp ehlo", TP_STARTTLS_SMTP, S("EHLO device\r\n"), TP_SS_REPLY, "250-tlsprobe.invalid"},
    {"smtp ehlo bare lf", TP_STARTTLS_SMTP, S("ehlo device\n"), TP_SS_REPLY, "250-"},
    {"smtp starttls", TP_STARTTLS_SMTP, S("STARTTLS\r\n"), TP_SS_TLS, "220 2.0.0"},
    {"smtp mail", TP_STARTTLS_SMTP, S("MAIL FROM:<a@b>\r\n"), TP_SS_REFUSE, "530 5.7.0"},
    {"smtp starttlsx", TP_STARTTLS_SMTP, S("STARTTLSX\r\n"), TP_SS_REFUSE, "530"},
    {"smtp quit", TP_STARTTLS_SMTP, S("QUIT\r\n"), TP_SS_QUIT, "221"},
    {"smtp empty line", TP_STARTTLS_SMTP, S("\r\n"), TP_SS_REFUSE, "530"},
    {"lmtp lhlo", TP_STARTTLS_LMTP, S("LHLO x\r\n"), TP_SS_REPLY, "250-"},
    {"imap capability", TP_STARTTLS_IMAP, S("A1 CAPABILITY\r\n"), TP_SS_REPLY,
     "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\nA1 OK"},
    {"imap starttls", TP_STARTTLS_IMAP, S("tag.7 starttls\r\n"), TP_SS_TLS, "tag.7 OK"},
    {"imap login", TP_STARTTLS_IMAP, S("z LOGIN a b\r\n"), TP_SS_REFUSE, "z NO [PRIVACYREQUIRED]"},
    {"imap no command", TP_STARTTLS_IMAP, S("a1\r\n"), TP_SS_REFUSE, "* BAD"},
    {"imap long tag", TP_STARTTLS_IMAP, S("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa STARTTLS\r\n"),
     TP_SS_REFUSE, "* BAD"},
    {"pop3 capa", TP_STARTTLS_POP3, S("CAPA\r\n"), TP_SS_REPLY, "+OK Capability list follows\r\nSTLS"},
    {"pop3 stls", TP_STARTTLS_POP3, S("STLS\r\n"), TP_SS_TLS, "+OK"},
    {"pop3 user", TP_STARTTLS_POP3, S("USER x\r\n"), TP_SS_REFUSE, "-ERR"},
    {"ftp auth tls", TP_STARTTLS_FTP, S("AUTH TLS\r\n"), TP_SS_TLS, "234"},
    {"ftp auth ssl", TP_STARTTLS_FTP, S("auth ssl\r\n"), TP_SS_TLS, "234"},
    {"ftp auth tlsx", TP_STARTTLS_FTP, S("AUTH TLSX\r\n"), TP_SS_REPLY, "504"},
    {"ftp feat", TP_STARTTLS_FTP, S("FEAT\r\n"), TP_SS_REPLY, "211-Features:\r\n AUTH TLS"},
    {"ftp user", TP_STARTTLS_FTP, S("USER anonymous\r\n"), TP_SS_REFUSE, "530"},
    {"nntp starttls", TP_STARTTLS_NNTP, S("STARTTLS\r\n"), TP_SS_TLS, "382"},
    {"partial", TP_STARTTLS_SMTP, S("EHLO dev"), TP_SS_MORE, NULL},
    {"tls at once", TP_STARTTLS_SMTP, S("\x16\x03\x01\x02\x00\x01"), TP_SS_ERROR,
     "SMTP: a TLS record (the client speaks TLS at once"},
    {"http", TP_STARTTLS_POP3, S("GET / HTTP/1.1\r\nHost: x\r\n"), TP_SS_ERROR,
     "POP3: an HTTP request in place of a command: 'GET / HTTP/1.1'"},
    {"binary", TP_STARTTLS_FTP, S("US\x00R"), TP_SS_ERROR, "FTP: a byte that is not text"},
    {"pipelined after starttls", TP_STARTTLS_SMTP, S("STARTTLS\r\nRSET\r\n"), TP_SS_ERROR,
     "the client sent 6 bytes after its SMTP STARTTLS, before the reply: 'RSET\\x0d\\x0a'"},
    {"pipelined before starttls", TP_STARTTLS_SMTP, S("RSET\r\nSTARTTLS\r\n"), TP_SS_REPLY,
     "250"},
    {"not served", TP_STARTTLS_XMPP, S("<x/>"), TP_SS_ERROR, "no STARTTLS server side"},
};

static void test_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct answer_case *c = &cases[i];
        struct tp_starttls_serve_answer a;
        enum tp_starttls_serve_action act = net_starttls_serve_answer(c->proto, c->bytes, c->len,
                                                                      &a);
        if (act != c->want)
            fail_msg("%s: action %d, want %d (%s)", c->name, act, c->want, a.msg);
        if (act == TP_SS_ERROR && strstr(a.msg, c->reply) == NULL)
            fail_msg("%s: message '%s'", c->name, a.msg);
        if (act != TP_SS_ERROR && c->reply != NULL &&
            (a.reply_len < strlen(c->reply) || memcmp(a.reply, c->reply, strlen(c->reply)) != 0))
            fail_msg("%s: reply '%.*s'", c->name, (int)a.reply_len, a.reply);
        /* Every shorter prefix of a whole command is MORE (or the same
         * early ERROR for bytes that are wrong from the start). */
        for (size_t cut = 0; act != TP_SS_MORE && act != TP_SS_ERROR && cut < c->len; cut++) {
            const uint8_t *nl = memchr(c->bytes, '\n', c->len);
            if (nl != NULL && cut > (size_t)(nl - c->bytes))
                break;
            struct tp_starttls_serve_answer p;
            assert_int_equal(net_starttls_serve_answer(c->proto, c->bytes, cut, &p), TP_SS_MORE);
        }
    }
}

static void test_line_cap(void **state)
{
    (void)state;
    uint8_t line[TP_STARTTLS_SERVE_MAX_LINE + 10];
    memset(line, 'x', sizeof line);
    struct tp_starttls_serve_answer a;
    assert_int_equal(net_starttls_serve_answer(TP_STARTTLS_SMTP, line, TP_STARTTLS_SERVE_MAX_LINE - 1,
                                               &a),
                     TP_SS_MORE);
    assert_int_equal(net_starttls_serve_answer(TP_STARTTLS_SMTP, line, TP_STARTTLS_SERVE_MAX_LINE,
                                               &a),
                     TP_SS_ERROR);
    assert_non_null(strstr(a.msg, "longer than 1024 bytes"));
    line[TP_STARTTLS_SERVE_MAX_LINE + 5] = '\n';
    assert_int_equal(net_starttls_serve_answer(TP_STARTTLS_SMTP, line, sizeof line, &a),
                     TP_SS_ERROR);
    char names[128];
    net_starttls_serve_list(names, sizeof names);
    assert_string_equal(names, "smtp, lmtp, imap, pop3, ftp, nntp");
    assert_null(net_starttls_serve_greeting(TP_STARTTLS_LDAP));
    assert_null(net_starttls_serve_farewell(TP_STARTTLS_NONE));
    assert_non_null(net_starttls_serve_farewell(TP_STARTTLS_IMAP));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_meets_server),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_line_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
