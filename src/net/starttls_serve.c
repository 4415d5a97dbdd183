/* starttls_serve.c: the server side of the line-based STARTTLS dialects as
 * tables of rules (see starttls_serve.h).
 *
 * A rule is: a command (its first word, or first two words: "AUTH TLS"),
 * the reply, and what follows the reply. The first rule that matches
 * wins; the last rule of each table has no command and takes every other
 * one, with the refusal the protocol has for "secure the session first".
 *   SMTP  RFC 5321 Sec. 4.1, STARTTLS RFC 3207 Sec. 4 (530 5.7.0 before it)
 *   LMTP  RFC 2033 Sec. 4.1 (LHLO), otherwise SMTP
 *   IMAP  RFC 9051 Sec. 6.1.1, 6.2.1, 7.1 (tagged; PRIVACYREQUIRED)
 *   POP3  RFC 1939 Sec. 3, CAPA RFC 2449 Sec. 5, STLS RFC 2595 Sec. 4
 *   FTP   RFC 959 Sec. 4.2, AUTH TLS RFC 4217 Sec. 4 (234), FEAT RFC 2389
 *   NNTP  RFC 3977 Sec. 5.2, STARTTLS RFC 4642 Sec. 2.2 (382; 483 before)
 * Every byte from the client is read through wire/reader.h. Lines end in
 * CRLF; a bare LF is accepted too. */
#include "net/starttls_serve.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "net/starttls.h"
#include "wire/reader.h"

#include "util/banned.h"

/* Our name in replies: under the reserved .invalid TLD (RFC 2606 Sec. 2),
 * as the client side's EHLO. */
#define SERVER_NAME "tlsprobe.invalid"
/* In a reply, the IMAP tag of the command it answers. */
#define TAG_MARK '$'

struct rule {
    const char *command; /* NULL: any other command */
    enum tp_starttls_serve_action action;
    const char *reply;
};

struct serve_dialect {
    const char *label; /* the protocol, in messages */
    const char *greeting;
    const char *farewell;
    bool tagged;       /* IMAP: each command starts with the client's tag */
    const struct rule *rules;
    size_t n_rules;
};

#define RULES(a) .rules = (a), .n_rules = sizeof(a) / sizeof((a)[0])

static const struct rule smtp_rules[] = {
    {"EHLO", TP_SS_REPLY, "250-" SERVER_NAME " tlsprobe test server\r\n250 STARTTLS\r\n"},
    {"HELO", TP_SS_REPLY, "250 " SERVER_NAME "\r\n"},
    {"STARTTLS", TP_SS_TLS, "220 2.0.0 Ready to start TLS\r\n"},
    {"NOOP", TP_SS_REPLY, "250 2.0.0 OK\r\n"},
    {"RSET", TP_SS_REPLY, "250 2.0.0 OK\r\n"},
    {"QUIT", TP_SS_QUIT, "221 2.0.0 Bye\r\n"},
    /* RFC 3207 Sec. 4: "530 5.7.0 Must issue a STARTTLS command first". */
    {NULL, TP_SS_REFUSE, "530 5.7.0 Must issue a STARTTLS command first\r\n"},
};

static const struct rule lmtp_rules[] = {
    {"LHLO", TP_SS_REPLY, "250-" SERVER_NAME " tlsprobe test server\r\n250 STARTTLS\r\n"},
    {"STARTTLS", TP_SS_TLS, "220 2.0.0 Ready to start TLS\r\n"},
    {"NOOP", TP_SS_REPLY, "250 2.0.0 OK\r\n"},
    {"RSET", TP_SS_REPLY, "250 2.0.0 OK\r\n"},
    {"QUIT", TP_SS_QUIT, "221 2.0.0 Bye\r\n"},
    {NULL, TP_SS_REFUSE, "530 5.7.0 Must issue a STARTTLS command first\r\n"},
};

static const struct rule imap_rules[] = {
    {"CAPABILITY", TP_SS_REPLY,
     "* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\n$ OK CAPABILITY completed\r\n"},
    {"STARTTLS", TP_SS_TLS, "$ OK Begin TLS negotiation now\r\n"},
    {"NOOP", TP_SS_REPLY, "$ OK NOOP completed\r\n"},
    {"LOGOUT", TP_SS_QUIT, "* BYE logging out\r\n$ OK LOGOUT completed\r\n"},
    {NULL, TP_SS_REFUSE, "$ NO [PRIVACYREQUIRED] STARTTLS first\r\n"},
};

static const struct rule pop3_rules[] = {
    {"CAPA", TP_SS_REPLY, "+OK Capability list follows\r\nSTLS\r\nUSER\r\n.\r\n"},
    {"STLS", TP_SS_TLS, "+OK Begin TLS negotiation\r\n"},
    {"NOOP", TP_SS_REPLY, "+OK\r\n"},
    {"QUIT", TP_SS_QUIT, "+OK Bye\r\n"},
    {NULL, TP_SS_REFUSE, "-ERR STLS first\r\n"},
};

static const struct rule ftp_rules[] = {
    {"AUTH TLS", TP_SS_TLS, "234 AUTH TLS successful\r\n"},
    /* The draft's name, which curl tries first. */
    {"AUTH SSL", TP_SS_TLS, "234 AUTH SSL successful\r\n"},
    {"AUTH", TP_SS_REPLY, "504 Security mechanism not understood\r\n"},
    {"FEAT", TP_SS_REPLY, "211-Features:\r\n AUTH TLS\r\n PBSZ\r\n PROT\r\n211 End\r\n"},
    {"SYST", TP_SS_REPLY, "215 UNIX Type: L8\r\n"},
    {"NOOP", TP_SS_REPLY, "200 OK\r\n"},
    {"QUIT", TP_SS_QUIT, "221 Bye\r\n"},
    /* RFC 4217 Sec. 11 (the server's policy needs a protected session). */
    {NULL, TP_SS_REFUSE, "530 Use AUTH TLS first\r\n"},
};

static const struct rule nntp_rules[] = {
    {"CAPABILITIES", TP_SS_REPLY, "101 Capability list:\r\nVERSION 2\r\nSTARTTLS\r\n.\r\n"},
    {"STARTTLS", TP_SS_TLS, "382 Continue with TLS negotiation\r\n"},
    {"QUIT", TP_SS_QUIT, "205 Bye\r\n"},
    /* RFC 4642 Sec. 2.2.2: 483, the command needs a secure connection. */
    {NULL, TP_SS_REFUSE, "483 STARTTLS first\r\n"},
};

static const struct serve_dialect dialects[TP_STARTTLS_COUNT] = {
    [TP_STARTTLS_SMTP] = {"SMTP", "220 " SERVER_NAME " ESMTP tlsprobe test server\r\n",
                          "421 4.3.2 tlsprobe test server: the test is over\r\n", false,
                          RULES(smtp_rules)},
    [TP_STARTTLS_LMTP] = {"LMTP", "220 " SERVER_NAME " LMTP tlsprobe test server\r\n",
                          "421 4.3.2 tlsprobe test server: the test is over\r\n", false,
                          RULES(lmtp_rules)},
    [TP_STARTTLS_IMAP] = {"IMAP",
                          "* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] tlsprobe test "
                          "server ready\r\n",
                          "* BYE tlsprobe test server: the test is over\r\n", true,
                          RULES(imap_rules)},
    [TP_STARTTLS_POP3] = {"POP3", "+OK tlsprobe test server ready\r\n",
                          "-ERR tlsprobe test server: the test is over\r\n", false,
                          RULES(pop3_rules)},
    [TP_STARTTLS_FTP] = {"FTP", "220 tlsprobe test server ready\r\n",
                         "421 tlsprobe test server: the test is over\r\n", false,
                         RULES(ftp_rules)},
    [TP_STARTTLS_NNTP] = {"NNTP", "200 tlsprobe test server ready\r\n",
                          "400 tlsprobe test server: the test is over\r\n", false,
                          RULES(nntp_rules)},
};

static const struct serve_dialect *dialect_of(enum tp_starttls proto)
{
    if ((unsigned)proto >= TP_STARTTLS_COUNT || dialects[proto].greeting == NULL)
        return NULL;
    return &dialects[proto];
}

bool net_starttls_serve_supported(enum tp_starttls proto)
{
    return dialect_of(proto) != NULL;
}

void net_starttls_serve_list(char *out, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < TP_STARTTLS_COUNT; i++) {
        if (dialect_of((enum tp_starttls)i) == NULL)
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "",
                         net_starttls_name((enum tp_starttls)i));
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

const char *net_starttls_serve_greeting(enum tp_starttls proto)
{
    const struct serve_dialect *d = dialect_of(proto);
    return d != NULL ? d->greeting : NULL;
}

const char *net_starttls_serve_farewell(enum tp_starttls proto)
{
    const struct serve_dialect *d = dialect_of(proto);
    return d != NULL ? d->farewell : NULL;
}

/* ---- reading a command ---- */

/* Bytes of the client's shown in a message, at most. */
#define QUOTE_MAX 60u

/* p[0..n) for a one-line message: printable ASCII kept, every other byte
 * as \xHH, cut with "...". */
static void quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
        int w = p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '\''
                    ? snprintf(out + used, cap - used, "%c", p[i])
                    : snprintf(out + used, cap - used, "\\x%02x", p[i]);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
    if (n > QUOTE_MAX && cap - used > 3)
        snprintf(out + used, cap - used, "...");
}

static enum tp_starttls_serve_action error(struct tp_starttls_serve_answer *out,
                                           const struct serve_dialect *d, const char *what,
                                           const uint8_t *p, size_t n)
{
    char q[QUOTE_MAX * 4 + 8];
    quote(q, sizeof q, p, n);
    snprintf(out->msg, sizeof out->msg, "%s: %s in place of a command: '%s'", d->label, what, q);
    out->used = 0;
    return out->action = TP_SS_ERROR;
}

static bool line_byte(uint8_t c)
{
    return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r';
}

static void skip_spaces(tp_reader *r)
{
    uint8_t c;
    tp_reader look = *r;
    while (tp_rd_u8(&look, "space", &c) == TP_OK && c == ' ')
        *r = look;
}

/* An HTTP/1.x request line (RFC 9112 Sec. 3: method SP target SP
 * "HTTP/1." DIGIT), which a client that took the port for a web server
 * sends. */
static bool is_http_request(const uint8_t *text, size_t len)
{
    static const char version[] = " HTTP/1.";
    const size_t n = sizeof version - 1;
    tp_reader r;
    const uint8_t *tail;
    tp_rd_init(&r, text, len, NULL);
    return len >= n + 2 && tp_rd_skip(&r, "request line", len - n - 1) == TP_OK &&
           tp_rd_bytes(&r, "version", n, &tail) == TP_OK && memcmp(tail, version, n) == 0;
}

/* The next word of r (after spaces), borrowed. */
static void next_word(tp_reader *r, const uint8_t **word, size_t *n)
{
    uint8_t c;
    skip_spaces(r);
    *n = 0;
    tp_reader look = *r;
    while (tp_rd_u8(&look, "word", &c) == TP_OK && c != ' ')
        (*n)++;
    if (tp_rd_bytes(r, "word", *n, word) != TP_OK)
        *n = 0;
}

/* Whether the command line (after any tag) starts with rule's command:
 * its words, case-insensitive, then the end or a space. */
static bool matches(const char *command, const uint8_t *p, size_t n)
{
    size_t k = strlen(command);
    if (n < k || strncasecmp(command, (const char *)p, k) != 0)
        return false;
    return n == k || p[k] == ' ';
}

/* reply's template with every TAG_MARK replaced by tag. */
static bool build_reply(struct tp_starttls_serve_answer *out, const char *reply,
                        const uint8_t *tag, size_t tag_len)
{
    size_t n = 0;
    for (const char *s = reply; *s != '\0'; s++) {
        const uint8_t *part = (const uint8_t *)s;
        size_t len = 1;
        if (*s == TAG_MARK) {
            part = tag;
            len = tag_len;
        }
        if (len > sizeof out->reply - n)
            return false;
        memcpy(out->reply + n, part, len);
        n += len;
    }
    out->reply_len = n;
    return true;
}

enum tp_starttls_serve_action net_starttls_serve_answer(enum tp_starttls proto,
                                                        const uint8_t *buf, size_t len,
                                                        struct tp_starttls_serve_answer *out)
{
    memset(out, 0, sizeof *out);
    const struct serve_dialect *d = dialect_of(proto);
    if (d == NULL) {
        snprintf(out->msg, sizeof out->msg, "no STARTTLS server side for dialect %d", (int)proto);
        return out->action = TP_SS_ERROR;
    }
    tp_reader rd;
    tp_rd_init(&rd, buf, len, NULL);
    /* The line, checked byte by byte as it comes: a TLS client or a
     * binary flood is told apart before any line end. */
    size_t line_len = 0;
    uint8_t c = 0;
    bool whole = false;
    while (tp_rd_u8(&rd, "command", &c) == TP_OK) {
        if (c == '\n') {
            whole = true;
            break;
        }
        if (line_len == 0 && c == 0x16)
            return error(out, d, "a TLS record (the client speaks TLS at once: serve without "
                                 "--starttls)", buf, len);
        if (!line_byte(c))
            return error(out, d, "a byte that is not text", buf, len);
        line_len++;
    }
    if (!whole) {
        if (len >= TP_STARTTLS_SERVE_MAX_LINE)
            return error(out, d, "a line longer than 1024 bytes", buf, len);
        return out->action = TP_SS_MORE;
    }
    if (line_len + 1 > TP_STARTTLS_SERVE_MAX_LINE)
        return error(out, d, "a line longer than 1024 bytes", buf, line_len);
    out->used = line_len + 1;
    /* The line without its end, borrowed from buf. */
    const uint8_t *text;
    size_t text_len = line_len;
    tp_reader again;
    tp_rd_init(&again, buf, len, NULL);
    uint8_t last = 0;
    tp_reader end = again;
    if (line_len > 0 && (tp_rd_skip(&end, "line", line_len - 1) != TP_OK ||
                         tp_rd_u8(&end, "line end", &last) != TP_OK))
        return error(out, d, "a line that is not there", buf, len); /* cannot happen */
    if (last == '\r')
        text_len--;
    if (tp_rd_bytes(&again, "line", text_len, &text) != TP_OK)
        return error(out, d, "a line that is not there", buf, len);
    if (is_http_request(text, text_len))
        return error(out, d, "an HTTP request", text, text_len);

    tp_reader line;
    tp_rd_init(&line, text, text_len, NULL);
    const uint8_t *tag = NULL, *cmd = NULL, *rest = NULL;
    size_t tag_len = 0, cmd_len = 0;
    if (d->tagged)
        next_word(&line, &tag, &tag_len);
    skip_spaces(&line);
    /* The command and what follows it, for two-word rules ("AUTH TLS"). */
    size_t rest_len = tp_rd_left(&line);
    tp_reader whole_rest = line;
    if (tp_rd_bytes(&whole_rest, "command", rest_len, &rest) != TP_OK)
        rest_len = 0;
    next_word(&line, &cmd, &cmd_len);
    quote(out->command, sizeof out->command, cmd, cmd_len < 12 ? cmd_len : 12);
    if (d->tagged && (tag_len == 0 || tag_len > TP_STARTTLS_SERVE_MAX_TAG || cmd_len == 0)) {
        /* RFC 9051 Sec. 7.1.5: an untagged BAD for a line with no usable
         * tag. */
        static const char bad[] = "* BAD a tag and a command, please\r\n";
        memcpy(out->reply, bad, sizeof bad - 1);
        out->reply_len = sizeof bad - 1;
        return out->action = TP_SS_REFUSE;
    }
    const struct rule *r = &d->rules[d->n_rules - 1];
    for (size_t i = 0; i + 1 < d->n_rules; i++)
        if (cmd_len > 0 && matches(d->rules[i].command, rest, rest_len)) {
            r = &d->rules[i];
            break;
        }
    if (!build_reply(out, r->reply, tag, tag_len)) {
        snprintf(out->msg, sizeof out->msg, "%s reply longer than %zu bytes", d->label,
                 sizeof out->reply);
        return out->action = TP_SS_ERROR;
    }
    if (r->action == TP_SS_TLS && out->used < len) {
        /* The client must wait for our go-ahead before its ClientHello;
         * anything after the command would be taken as TLS, or is a
         * command injected ahead of the handshake (RFC 3207 Sec. 4.2,
         * RFC 2595 Sec. 3.1; CVE-2011-0411 is a server that kept it). */
        char q[QUOTE_MAX * 4 + 8];
        quote(q, sizeof q, buf + out->used, len - out->used);
        snprintf(out->msg, sizeof out->msg,
                 "the client sent %zu bytes after its %s %s, before the reply: '%s'",
                 len - out->used, d->label, out->command, q);
        out->used = 0;
        return out->action = TP_SS_ERROR;
    }
    return out->action = r->action;
}
