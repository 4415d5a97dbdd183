/* starttls.c: the STARTTLS dialects as tables of steps (see starttls.h).
 *
 * A step is: send these bytes (maybe none), then read the server's reply
 * in this syntax and accept these answers. The syntaxes, each judged by one
 * pure function over the bytes received so far:
 *   numeric replies  SMTP (RFC 5321 Sec. 4.2, STARTTLS RFC 3207 Sec. 4),
 *                    LMTP (RFC 2033 Sec. 4.1), FTP (RFC 959 Sec. 4.2,
 *                    AUTH TLS RFC 4217 Sec. 4), NNTP (RFC 3977 Sec. 3.2,
 *                    STARTTLS RFC 4642 Sec. 2.2)
 *   IMAP             RFC 9051 Sec. 7.1 and 6.2.1 (RFC 3501 alike)
 *   POP3             RFC 1939 Sec. 3, STLS RFC 2595 Sec. 4
 *   ManageSieve      RFC 5804 Sec. 1.2 and 2.2
 *   XMPP             RFC 6120 Sec. 4 and 5.4.2
 *   LDAP             ExtendedRequest/Response, RFC 4511 Sec. 4.12, 4.14
 *   PostgreSQL       SSLRequest, "Message Flow: SSL Session Encryption" of
 *                    the PostgreSQL frontend/backend protocol documentation
 *   MySQL            Initial Handshake and SSLRequest packets of the MySQL
 *                    client/server protocol documentation
 * Every byte from the peer is read through wire/reader.h. Lines end in
 * CRLF; a bare LF is accepted too (being strict here would only hide a
 * server's TLS behind a complaint about its line ends). */
#include "net/starttls.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "net/net.h"
#include "wire/reader.h"

#include "util/banned.h"

enum syntax {
    R_NONE = 0,      /* no reply: TLS follows the request at once (MySQL) */
    R_CODE,          /* "250-..." / "250 ..." numeric replies */
    R_IMAP_GREETING, /* "* OK", "* PREAUTH", "* BYE" */
    R_IMAP_TAGGED,   /* untagged lines, then "a1 OK|NO|BAD" */
    R_POP3,          /* "+OK" / "-ERR" */
    R_SIEVE,         /* quoted capability lines, then OK / NO / BYE */
    R_XMPP_FEATURES, /* stream header, then <stream:features> */
    R_XMPP_PROCEED,  /* <proceed/> or <failure/> */
    R_LDAP,          /* BER LDAPMessage carrying an ExtendedResponse */
    R_POSTGRES,      /* one byte: 'S' or 'N' (or an ErrorResponse) */
    R_MYSQL,         /* the Initial Handshake packet */
    R_COUNT
};

struct step {
    const char *what;      /* the reply, in messages: "greeting", "EHLO reply" */
    const char *send;      /* request, NULL for none */
    size_t send_len;
    const char *send_tail; /* when set: the host name, escaped, then this */
    size_t send_tail_len;
    enum syntax expect;
    uint16_t ok[3];        /* R_CODE: the codes that mean go on (0 ends) */
    const char *offer;     /* a keyword the reply must list ("STARTTLS") */
};

struct dialect {
    const char *name;  /* the --starttls value */
    const char *label; /* the protocol, in messages */
    uint16_t port;     /* IANA service port */
    const struct step *steps;
    size_t n_steps;
};

#define SEND(s) .send = (s), .send_len = sizeof(s) - 1
#define TAIL(s) .send_tail = (s), .send_tail_len = sizeof(s) - 1
#define STEPS(a) .steps = (a), .n_steps = sizeof(a) / sizeof((a)[0])

/* RFC 5321 Sec. 4.1.1.1: EHLO names the client. A name under the reserved
 * .invalid TLD (RFC 2606 Sec. 2) says what we are without claiming one. */
#define CLIENT_NAME "tlsprobe.invalid"
/* RFC 9051 Sec. 2.2.1: the client's command tag. */
#define IMAP_TAG "a1"

static const struct step smtp_steps[] = {
    {.what = "greeting", .expect = R_CODE, .ok = {220}},
    /* RFC 3207 Sec. 4: the server lists STARTTLS in its EHLO reply. */
    {.what = "EHLO reply", SEND("EHLO " CLIENT_NAME "\r\n"), .expect = R_CODE, .ok = {250},
     .offer = "STARTTLS"},
    /* RFC 3207 Sec. 4: 220 go ahead; 454 TLS not available; 501, 502... */
    {.what = "STARTTLS reply", SEND("STARTTLS\r\n"), .expect = R_CODE, .ok = {220}},
};

static const struct step lmtp_steps[] = {
    {.what = "greeting", .expect = R_CODE, .ok = {220}},
    /* RFC 2033 Sec. 4.1: LHLO in place of EHLO, same reply. */
    {.what = "LHLO reply", SEND("LHLO " CLIENT_NAME "\r\n"), .expect = R_CODE, .ok = {250},
     .offer = "STARTTLS"},
    {.what = "STARTTLS reply", SEND("STARTTLS\r\n"), .expect = R_CODE, .ok = {220}},
};

static const struct step imap_steps[] = {
    {.what = "greeting", .expect = R_IMAP_GREETING},
    {.what = "STARTTLS reply", SEND(IMAP_TAG " STARTTLS\r\n"), .expect = R_IMAP_TAGGED},
};

static const struct step pop3_steps[] = {
    {.what = "greeting", .expect = R_POP3},
    {.what = "STLS reply", SEND("STLS\r\n"), .expect = R_POP3},
};

static const struct step ftp_steps[] = {
    {.what = "greeting", .expect = R_CODE, .ok = {220}},
    /* RFC 4217 Sec. 4.1: 234 accepts; 421, 431, 500, 502, 504, 534 do not. */
    {.what = "AUTH TLS reply", SEND("AUTH TLS\r\n"), .expect = R_CODE, .ok = {234}},
};

static const struct step xmpp_steps[] = {
    /* RFC 6120 Sec. 4.7: 'to' names the service, 'version' 1.0 asks for
     * stream features (Sec. 4.7.5). */
    {.what = "stream features",
     SEND("<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
          "xmlns:stream='http://etherx.jabber.org/streams' to='"),
     TAIL("' version='1.0'>"), .expect = R_XMPP_FEATURES},
    {.what = "reply to <starttls/>", SEND("<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>"),
     .expect = R_XMPP_PROCEED},
};

static const struct step ldap_steps[] = {
    /* RFC 4511 Sec. 4.14.1: LDAPMessage { messageID 1, [APPLICATION 23]
     * ExtendedRequest { requestName [0] "1.3.6.1.4.1.1466.20037" } }. */
    {.what = "StartTLS response",
     SEND("\x30\x1d\x02\x01\x01\x77\x18\x80\x16"
          "1.3.6.1.4.1.1466.20037"),
     .expect = R_LDAP},
};

static const struct step postgres_steps[] = {
    /* SSLRequest: Int32 length 8, Int32 code 80877103 (0x04D2162F). */
    {.what = "SSLRequest reply", SEND("\x00\x00\x00\x08\x04\xd2\x16\x2f"), .expect = R_POSTGRES},
};

static const struct step mysql_steps[] = {
    {.what = "handshake", .expect = R_MYSQL},
    /* SSLRequest, sequence 1: capabilities with CLIENT_SSL (0x800) and
     * CLIENT_PROTOCOL_41 (0x200), max packet 16 MiB, utf8 (33), 23 zero
     * bytes. TLS follows without a reply. */
    {.what = "SSLRequest",
     SEND("\x20\x00\x00\x01"
          "\x85\xae\x7f\x00"
          "\x00\x00\x00\x01"
          "\x21"
          "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
          "\x00\x00"),
     .expect = R_NONE},
};

static const struct step nntp_steps[] = {
    /* RFC 3977 Sec. 5.1.1: 200 posting allowed, 201 prohibited. */
    {.what = "greeting", .expect = R_CODE, .ok = {200, 201}},
    /* RFC 4642 Sec. 2.2.2: 382 go ahead; 502 and 580 refuse. */
    {.what = "STARTTLS reply", SEND("STARTTLS\r\n"), .expect = R_CODE, .ok = {382}},
};

static const struct step sieve_steps[] = {
    /* RFC 5804 Sec. 1.7: the greeting is the capability list, which names
     * STARTTLS when the server offers it. */
    {.what = "capabilities", .expect = R_SIEVE, .offer = "STARTTLS"},
    {.what = "STARTTLS reply", SEND("STARTTLS\r\n"), .expect = R_SIEVE},
};

static const struct dialect dialects[TP_STARTTLS_COUNT] = {
    [TP_STARTTLS_SMTP] = {"smtp", "SMTP", 25, STEPS(smtp_steps)},
    [TP_STARTTLS_LMTP] = {"lmtp", "LMTP", 24, STEPS(lmtp_steps)},
    [TP_STARTTLS_IMAP] = {"imap", "IMAP", 143, STEPS(imap_steps)},
    [TP_STARTTLS_POP3] = {"pop3", "POP3", 110, STEPS(pop3_steps)},
    [TP_STARTTLS_FTP] = {"ftp", "FTP", 21, STEPS(ftp_steps)},
    [TP_STARTTLS_XMPP] = {"xmpp", "XMPP", 5222, STEPS(xmpp_steps)},
    [TP_STARTTLS_LDAP] = {"ldap", "LDAP", 389, STEPS(ldap_steps)},
    [TP_STARTTLS_POSTGRES] = {"postgres", "PostgreSQL", 5432, STEPS(postgres_steps)},
    [TP_STARTTLS_MYSQL] = {"mysql", "MySQL", 3306, STEPS(mysql_steps)},
    [TP_STARTTLS_NNTP] = {"nntp", "NNTP", 119, STEPS(nntp_steps)},
    [TP_STARTTLS_SIEVE] = {"sieve", "ManageSieve", 4190, STEPS(sieve_steps)},
};

/* What a reply that is not the dialect's looks like, for the message. */
static const struct {
    const char *prefix;
    const char *contains; /* NULL: any */
    const char *is;
} lookalikes[] = {
    {"\x16\x03", NULL, "a TLS server: it speaks TLS at once, drop --starttls"},
    {"\x15\x03", NULL, "a TLS server (an alert): it speaks TLS at once, drop --starttls"},
    {"SSH-", NULL, "an SSH server"},
    {"HTTP/", NULL, "an HTTP server"},
    {"* OK", NULL, "an IMAP server"},
    {"* PREAUTH", NULL, "an IMAP server"},
    {"+OK", NULL, "a POP3 server"},
    {"220", "FTP", "an FTP server"},
    {"220", "SMTP", "an SMTP server"},
    {"220", "LMTP", "an LMTP server"},
    {"220", NULL, "an SMTP or FTP server"},
    {"200 ", NULL, "an NNTP server"},
    {"201 ", NULL, "an NNTP server"},
    {"\"IMPLEMENTATION\"", NULL, "a ManageSieve server"},
    {"<?xml", NULL, "an XMPP or other XML server"},
    {"<stream:", NULL, "an XMPP server"},
};

static const struct dialect *dialect_of(enum tp_starttls proto)
{
    if ((unsigned)proto >= TP_STARTTLS_COUNT || dialects[proto].name == NULL)
        return NULL;
    return &dialects[proto];
}

const char *net_starttls_name(enum tp_starttls proto)
{
    const struct dialect *d = dialect_of(proto);
    return d != NULL ? d->name : NULL;
}

enum tp_starttls net_starttls_by_name(const char *name)
{
    for (size_t i = 0; name != NULL && i < TP_STARTTLS_COUNT; i++)
        if (dialects[i].name != NULL && strcmp(dialects[i].name, name) == 0)
            return (enum tp_starttls)i;
    return TP_STARTTLS_NONE;
}

uint16_t net_starttls_port(enum tp_starttls proto)
{
    const struct dialect *d = dialect_of(proto);
    return d != NULL ? d->port : 0;
}

void net_starttls_list(char *out, size_t cap)
{
    size_t used = 0;
    if (cap == 0)
        return;
    out[0] = '\0';
    for (size_t i = 0; i < TP_STARTTLS_COUNT; i++) {
        if (dialects[i].name == NULL)
            continue;
        int n = snprintf(out + used, cap - used, "%s%s", used > 0 ? ", " : "",
                         dialects[i].name);
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

size_t net_starttls_steps(enum tp_starttls proto)
{
    const struct dialect *d = dialect_of(proto);
    return d != NULL ? d->n_steps : 0;
}

/* ---- requests ---- */

static bool append(uint8_t *out, size_t cap, size_t *n, const char *p, size_t len)
{
    if (len > cap - *n)
        return false;
    memcpy(out + *n, p, len);
    *n += len;
    return true;
}

/* XML attribute value in single quotes (XML 1.0 Sec. 2.3 and 4.6). */
static bool append_xml_escaped(uint8_t *out, size_t cap, size_t *n, const char *s)
{
    static const struct {
        char c;
        const char *entity;
    } entities[] = {{'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'\'', "&apos;"},
                    {'"', "&quot;"}};
    for (; *s != '\0'; s++) {
        const char *rep = NULL;
        for (size_t i = 0; i < sizeof entities / sizeof entities[0]; i++)
            if (*s == entities[i].c)
                rep = entities[i].entity;
        if (!(rep != NULL ? append(out, cap, n, rep, strlen(rep)) : append(out, cap, n, s, 1)))
            return false;
    }
    return true;
}

tp_status net_starttls_request(enum tp_starttls proto, size_t step, const char *host,
                               uint8_t *out, size_t cap, size_t *len_out, tp_error *err)
{
    const struct dialect *d = dialect_of(proto);
    if (d == NULL || step >= d->n_steps)
        return tp_fail(err, TP_E_INTERNAL, "no STARTTLS step %zu for dialect %d", step,
                       (int)proto);
    const struct step *s = &d->steps[step];
    size_t n = 0;
    *len_out = 0;
    if (s->send == NULL)
        return TP_OK;
    if (s->send_tail != NULL && (host == NULL || host[0] == '\0'))
        return tp_fail(err, TP_E_INTERNAL, "%s STARTTLS needs the server's name", d->label);
    bool fits = append(out, cap, &n, s->send, s->send_len);
    if (fits && s->send_tail != NULL)
        fits = append_xml_escaped(out, cap, &n, host) &&
               append(out, cap, &n, s->send_tail, s->send_tail_len);
    if (!fits)
        return tp_fail(err, TP_E_LIMIT, "%s STARTTLS request longer than %zu bytes", d->label,
                       cap);
    *len_out = n;
    return TP_OK;
}

/* ---- reading replies ---- */

/* Bytes shown of a peer's reply, at most; each may take four characters. */
#define QUOTE_MAX 120u
#define QUOTE_BUF (QUOTE_MAX * 4u + 4u)

/* p[0..n) for a one-line message: printable ASCII kept, everything else
 * (CR, LF and any byte a terminal could act on) as \xHH, cut with "...". */
static void quote(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && i < QUOTE_MAX; i++) {
        int w;
        if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\' && p[i] != '\'')
            w = snprintf(out + used, cap - used, "%c", p[i]);
        else
            w = snprintf(out + used, cap - used, "\\x%02x", p[i]);
        if (w < 0 || (size_t)w >= cap - used)
            return;
        used += (size_t)w;
    }
    if (n > QUOTE_MAX && cap - used > 3)
        snprintf(out + used, cap - used, "...");
}

struct line {
    const uint8_t *p;
    size_t len; /* without the line end */
};

struct judge {
    const struct dialect *d;
    const struct step *s;
    const uint8_t *buf;
    size_t len;
    tp_reader rd;
    struct tp_starttls_reply *out;
};

static enum tp_starttls_verdict say(struct judge *j, enum tp_starttls_verdict v,
                                    const char *fmt, ...) TP_PRINTF(3, 4);
static enum tp_starttls_verdict say(struct judge *j, enum tp_starttls_verdict v,
                                    const char *fmt, ...)
{
    size_t used = 0;
    if (v == TP_STARTTLS_REFUSED)
        used = (size_t)snprintf(j->out->msg, sizeof j->out->msg, "server refused STARTTLS: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(j->out->msg + used, sizeof j->out->msg - used, fmt, ap);
    va_end(ap);
    return v;
}

/* A refusal that quotes the server's own line ("454 TLS not available").
 * A line from a step before the last says which reply it was. */
static enum tp_starttls_verdict refused_line(struct judge *j, const struct line *ln)
{
    char q[QUOTE_BUF];
    quote(q, sizeof q, ln->p, ln->len);
    if (j->s == &j->d->steps[0] && j->s->send == NULL) {
        /* Not a refusal of STARTTLS: no session was offered at all. */
        j->out->turned_away = true;
        (void)say(j, TP_STARTTLS_ERROR, "server turned the connection away: its %s %s was '%s'",
                  j->d->label, j->s->what, q);
        return TP_STARTTLS_REFUSED;
    }
    if (j->s == &j->d->steps[j->d->n_steps - 1])
        return say(j, TP_STARTTLS_REFUSED, "%s", q);
    return say(j, TP_STARTTLS_REFUSED, "its %s %s was '%s'", j->d->label, j->s->what, q);
}

/* The reply is not in the dialect's syntax: say what it looks like. */
static enum tp_starttls_verdict not_service(struct judge *j)
{
    size_t n = 0;
    while (n < j->len && j->buf[n] != '\n')
        n++;
    if (n > 0 && n < j->len && j->buf[n - 1] == '\r')
        n--;
    const char *is = NULL;
    for (size_t i = 0; i < sizeof lookalikes / sizeof lookalikes[0] && is == NULL; i++) {
        size_t plen = strlen(lookalikes[i].prefix);
        if (j->len < plen || memcmp(j->buf, lookalikes[i].prefix, plen) != 0)
            continue;
        if (lookalikes[i].contains == NULL ||
            memmem(j->buf, n, lookalikes[i].contains, strlen(lookalikes[i].contains)) != NULL)
            is = lookalikes[i].is;
    }
    char q[QUOTE_BUF];
    quote(q, sizeof q, j->buf, n > 0 ? n : j->len);
    return say(j, TP_STARTTLS_ERROR, "peer does not speak %s: its %s was '%s'%s%s%s", j->d->label,
               j->s->what, q, is != NULL ? " (looks like " : "", is != NULL ? is : "",
               is != NULL ? ")" : "");
}

static enum tp_starttls_verdict done(struct judge *j)
{
    j->out->used = j->rd.pos;
    return TP_STARTTLS_DONE;
}

/* The next line, through the reader. False with *v set when there is no
 * whole line yet (MORE) or it is over TP_STARTTLS_MAX_LINE (ERROR). */
static bool take_line(struct judge *j, struct line *ln, enum tp_starttls_verdict *v)
{
    tp_reader look = j->rd;
    look.err = NULL;
    size_t n = 0;
    uint8_t c = 0;
    while (c != '\n') {
        if (n == TP_STARTTLS_MAX_LINE) {
            *v = say(j, TP_STARTTLS_ERROR, "%s %s: a line longer than %zu bytes", j->d->label,
                     j->s->what, TP_STARTTLS_MAX_LINE);
            return false;
        }
        if (tp_rd_u8(&look, "line", &c) != TP_OK) {
            *v = TP_STARTTLS_MORE;
            return false;
        }
        n++;
    }
    if (tp_rd_bytes(&j->rd, "line", n, &ln->p) != TP_OK) {
        *v = TP_STARTTLS_MORE; /* cannot happen: look read them */
        return false;
    }
    ln->len = n - 1;
    if (ln->len > 0 && ln->p[ln->len - 1] == '\r')
        ln->len--;
    return true;
}

/* p[0..n) starts with word (ASCII case-insensitive), followed by the end
 * or a space. */
static bool word_at(const uint8_t *p, size_t n, const char *word)
{
    size_t w = strlen(word);
    if (n < w || strncasecmp((const char *)p, word, w) != 0)
        return false;
    return n == w || p[w] == ' ';
}

/* "ddd", "ddd text" or "ddd-text" (RFC 5321 Sec. 4.2, RFC 959 Sec. 4.2):
 * the code, or -1. *sep is the byte after the code: ' ', '-', or 0 when
 * the line is the code alone. */
static int reply_code(const struct line *ln, uint8_t *sep)
{
    tp_reader rd;
    tp_rd_init(&rd, ln->p, ln->len, NULL);
    uint8_t d[3];
    for (size_t i = 0; i < 3; i++)
        if (tp_rd_u8(&rd, "reply code", &d[i]) != TP_OK || d[i] < '0' || d[i] > '9')
            return -1;
    if (d[0] < '1' || d[0] > '5')
        return -1;
    *sep = 0;
    if (tp_rd_u8(&rd, "reply code separator", sep) == TP_OK && *sep != ' ' && *sep != '-')
        return -1;
    return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

static void note_offer(const struct judge *j, const struct line *ln, bool *offered)
{
    if (j->s->offer != NULL && ln->len > 4 && word_at(ln->p + 4, ln->len - 4, j->s->offer))
        *offered = true;
}

static bool code_ok(const struct step *s, int code)
{
    for (size_t i = 0; i < sizeof s->ok / sizeof s->ok[0] && s->ok[i] != 0; i++)
        if (code == s->ok[i])
            return true;
    return false;
}

static enum tp_starttls_verdict judge_code(struct judge *j)
{
    bool offered = j->s->offer == NULL;
    enum tp_starttls_verdict v;
    for (;;) {
        struct line ln, last;
        if (!take_line(j, &ln, &v))
            return v;
        uint8_t sep;
        int code = reply_code(&ln, &sep);
        if (code < 0)
            return not_service(j);
        last = ln;
        note_offer(j, &ln, &offered);
        /* A multi-line reply ends at a line with the same code and a
         * space; SMTP marks every other line "ddd-" (RFC 5321 Sec.
         * 4.2.1), FTP allows any text between (RFC 959 Sec. 4.2). */
        bool more = sep == '-';
        while (more) {
            if (!take_line(j, &ln, &v))
                return v;
            note_offer(j, &ln, &offered);
            if (reply_code(&ln, &sep) == code && sep != '-') {
                more = false;
                last = ln;
            }
        }
        /* RFC 959 Sec. 4.2: 1yz is preliminary; the real reply follows. */
        if (code / 100 == 1)
            continue;
        if (code_ok(j->s, code)) {
            if (!offered)
                return say(j, TP_STARTTLS_REFUSED, "not offered in its %s %s", j->d->label,
                           j->s->what);
            return done(j);
        }
        if (code / 100 == 4 || code / 100 == 5)
            return refused_line(j, &last);
        char q[QUOTE_BUF];
        quote(q, sizeof q, last.p, last.len);
        return say(j, TP_STARTTLS_ERROR, "unexpected %s %s: '%s'", j->d->label, j->s->what, q);
    }
}

/* "* WORD ..." (RFC 9051 Sec. 7.1): the word after "* ", or NULL. */
static bool untagged(const struct line *ln, const char *word)
{
    return ln->len >= 2 && ln->p[0] == '*' && ln->p[1] == ' ' &&
           word_at(ln->p + 2, ln->len - 2, word);
}

static enum tp_starttls_verdict judge_imap_greeting(struct judge *j)
{
    struct line ln;
    enum tp_starttls_verdict v;
    if (!take_line(j, &ln, &v))
        return v;
    if (untagged(&ln, "OK"))
        return done(j);
    /* RFC 9051 Sec. 6.2.1: STARTTLS only in the not-authenticated state. */
    if (untagged(&ln, "PREAUTH"))
        return say(j, TP_STARTTLS_REFUSED,
                   "the session is already authenticated (PREAUTH greeting), where IMAP "
                   "allows no STARTTLS");
    if (untagged(&ln, "BYE"))
        return refused_line(j, &ln);
    return not_service(j);
}

static enum tp_starttls_verdict judge_imap_tagged(struct judge *j)
{
    static const char tag[] = IMAP_TAG " ";
    enum tp_starttls_verdict v;
    for (;;) {
        struct line ln;
        if (!take_line(j, &ln, &v))
            return v;
        if (untagged(&ln, "BYE"))
            return refused_line(j, &ln);
        /* Other untagged data (a CAPABILITY, say) may come first. */
        if (ln.len >= 2 && ln.p[0] == '*' && ln.p[1] == ' ')
            continue;
        if (ln.len < sizeof tag - 1 || memcmp(ln.p, tag, sizeof tag - 1) != 0)
            return not_service(j);
        const uint8_t *rest = ln.p + sizeof tag - 1;
        size_t rest_len = ln.len - (sizeof tag - 1);
        if (word_at(rest, rest_len, "OK"))
            return done(j);
        if (word_at(rest, rest_len, "NO") || word_at(rest, rest_len, "BAD"))
            return refused_line(j, &ln);
        return not_service(j);
    }
}

static enum tp_starttls_verdict judge_pop3(struct judge *j)
{
    struct line ln;
    enum tp_starttls_verdict v;
    if (!take_line(j, &ln, &v))
        return v;
    if (word_at(ln.p, ln.len, "+OK"))
        return done(j);
    if (word_at(ln.p, ln.len, "-ERR"))
        return refused_line(j, &ln);
    return not_service(j);
}

/* RFC 5804 Sec. 1.7: capability lines are quoted strings; the list ends
 * with an OK response. A STARTTLS reply is a response alone. */
static enum tp_starttls_verdict judge_sieve(struct judge *j)
{
    bool offered = j->s->offer == NULL;
    enum tp_starttls_verdict v;
    for (;;) {
        struct line ln;
        if (!take_line(j, &ln, &v))
            return v;
        if (ln.len > 0 && ln.p[0] == '"') {
            size_t w = j->s->offer != NULL ? strlen(j->s->offer) : 0;
            if (w > 0 && ln.len >= w + 2 &&
                strncasecmp((const char *)ln.p + 1, j->s->offer, w) == 0 && ln.p[w + 1] == '"')
                offered = true;
            continue;
        }
        if (word_at(ln.p, ln.len, "OK")) {
            if (!offered)
                return say(j, TP_STARTTLS_REFUSED, "not offered in its %s %s", j->d->label,
                           j->s->what);
            return done(j);
        }
        if (word_at(ln.p, ln.len, "NO") || word_at(ln.p, ln.len, "BYE"))
            return refused_line(j, &ln);
        return not_service(j);
    }
}

/* ---- XMPP: a stream of XML, read as text ---- */

/* Offset of needle in p[0..n) at or after from, or SIZE_MAX. */
static size_t find(const uint8_t *p, size_t n, size_t from, const char *needle)
{
    if (from > n)
        return SIZE_MAX;
    const uint8_t *hit = memmem(p + from, n - from, needle, strlen(needle));
    return hit != NULL ? (size_t)(hit - p) : SIZE_MAX;
}

/* End (one past) of the element that starts at p[at] with an open tag
 * named name: "<name .../>" or "<name ...>...</name>"; SIZE_MAX if it is
 * not all there yet. */
static size_t element_end(const uint8_t *p, size_t n, size_t at, const char *name)
{
    size_t gt = find(p, n, at, ">");
    if (gt == SIZE_MAX)
        return SIZE_MAX;
    if (gt > at && p[gt - 1] == '/')
        return gt + 1;
    char close[64];
    snprintf(close, sizeof close, "</%s>", name);
    size_t c = find(p, n, gt, close);
    return c == SIZE_MAX ? SIZE_MAX : c + strlen(close);
}

/* Everything received, borrowed through the reader, leading white space
 * skipped (RFC 6120 Sec. 4.6.1: whitespace keepalives). */
static bool xml_view(struct judge *j, const uint8_t **p, size_t *n, size_t *start)
{
    /* A view through a copy: the reply's length is set by done_at(). */
    tp_reader look = j->rd;
    size_t left = tp_rd_left(&look);
    if (tp_rd_bytes(&look, "XML stream", left, p) != TP_OK)
        return false;
    *n = left;
    *start = 0;
    while (*start < left && ((*p)[*start] == ' ' || (*p)[*start] == '\t' ||
                             (*p)[*start] == '\r' || (*p)[*start] == '\n'))
        (*start)++;
    return *start < left;
}

static enum tp_starttls_verdict done_at(struct judge *j, size_t end)
{
    if (tp_rd_skip(&j->rd, "XML stream", end) != TP_OK)
        return say(j, TP_STARTTLS_ERROR, "internal: XML element past the data");
    return done(j);
}

static enum tp_starttls_verdict stream_error(struct judge *j, const uint8_t *p, size_t n,
                                             size_t at)
{
    size_t end = element_end(p, n, at, "stream:error");
    if (end == SIZE_MAX)
        return TP_STARTTLS_MORE;
    char q[QUOTE_BUF];
    quote(q, sizeof q, p + at, end - at);
    return say(j, TP_STARTTLS_REFUSED, "XMPP stream error '%s'", q);
}

static enum tp_starttls_verdict judge_xmpp_features(struct judge *j)
{
    const uint8_t *p;
    size_t n, at;
    if (!xml_view(j, &p, &n, &at))
        return TP_STARTTLS_MORE;
    if (p[at] != '<')
        return not_service(j);
    size_t err_at = find(p, n, at, "<stream:error");
    size_t feat = find(p, n, at, "<stream:features");
    if (err_at != SIZE_MAX && (feat == SIZE_MAX || err_at < feat))
        return stream_error(j, p, n, err_at);
    if (feat == SIZE_MAX) {
        if (find(p, n, at, "</stream:stream>") != SIZE_MAX)
            return say(j, TP_STARTTLS_REFUSED, "the server closed the XMPP stream");
        return TP_STARTTLS_MORE;
    }
    size_t end = element_end(p, n, feat, "stream:features");
    if (end == SIZE_MAX)
        return TP_STARTTLS_MORE;
    /* RFC 6120 Sec. 5.4.1: <starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>. */
    size_t tls = find(p, end, feat, "<starttls");
    if (tls == SIZE_MAX)
        return say(j, TP_STARTTLS_REFUSED, "not offered in its XMPP stream features");
    return done_at(j, end);
}

static enum tp_starttls_verdict judge_xmpp_proceed(struct judge *j)
{
    const uint8_t *p;
    size_t n, at;
    if (!xml_view(j, &p, &n, &at))
        return TP_STARTTLS_MORE;
    static const char proceed[] = "<proceed", failure[] = "<failure", serr[] = "<stream:error";
    if (n - at < sizeof serr - 1 && memcmp(p + at, serr, n - at) == 0)
        return TP_STARTTLS_MORE;
    if (n - at >= sizeof proceed - 1 && memcmp(p + at, proceed, sizeof proceed - 1) == 0) {
        size_t end = element_end(p, n, at, "proceed");
        return end == SIZE_MAX ? TP_STARTTLS_MORE : done_at(j, end);
    }
    /* RFC 6120 Sec. 5.4.2.2: <failure/>, and the server closes the stream. */
    if (n - at >= sizeof failure - 1 && memcmp(p + at, failure, sizeof failure - 1) == 0)
        return element_end(p, n, at, "failure") == SIZE_MAX
                   ? TP_STARTTLS_MORE
                   : say(j, TP_STARTTLS_REFUSED, "XMPP <failure/>");
    if (n - at >= sizeof serr - 1 && memcmp(p + at, serr, sizeof serr - 1) == 0)
        return stream_error(j, p, n, at);
    if (n - at < sizeof proceed - 1 && memcmp(p + at, proceed, n - at) == 0)
        return TP_STARTTLS_MORE;
    if (n - at < sizeof failure - 1 && memcmp(p + at, failure, n - at) == 0)
        return TP_STARTTLS_MORE;
    char q[QUOTE_BUF];
    quote(q, sizeof q, p + at, n - at);
    return say(j, TP_STARTTLS_ERROR, "unexpected XMPP %s: '%s'", j->s->what, q);
}

/* ---- LDAP: BER (X.690 Sec. 8.1, definite lengths only: RFC 4511 Sec. 5.1) ---- */

enum ber_st { BER_OK, BER_MORE, BER_BAD };

static enum ber_st ber_head(tp_reader *rd, uint8_t *tag, size_t *len)
{
    uint8_t b;
    if (tp_rd_u8(rd, "BER tag", tag) != TP_OK || tp_rd_u8(rd, "BER length", &b) != TP_OK)
        return BER_MORE;
    if (b < 0x80) {
        *len = b;
        return BER_OK;
    }
    size_t bytes = b & 0x7fu;
    if (bytes == 0 || bytes > 3) /* indefinite, or past any cap of ours */
        return BER_BAD;
    size_t v = 0;
    for (size_t i = 0; i < bytes; i++) {
        if (tp_rd_u8(rd, "BER length", &b) != TP_OK)
            return BER_MORE;
        v = (v << 8) | b;
    }
    *len = v;
    return BER_OK;
}

/* A primitive element of the expected tag inside a complete message. */
static bool ber_take(tp_reader *rd, uint8_t want, const uint8_t **val, size_t *len)
{
    uint8_t tag;
    return ber_head(rd, &tag, len) == BER_OK && tag == want &&
           tp_rd_bytes(rd, "BER value", *len, val) == TP_OK;
}

static bool ber_uint(tp_reader *rd, uint8_t want, uint32_t *out)
{
    const uint8_t *v;
    size_t n;
    if (!ber_take(rd, want, &v, &n) || n == 0 || n > 4)
        return false;
    *out = 0;
    for (size_t i = 0; i < n; i++)
        *out = (*out << 8) | v[i];
    return true;
}

static const char *ldap_result_name(uint32_t code)
{
    /* RFC 4511 Sec. 4.1.9 and Appendix A.2. */
    static const struct {
        uint32_t code;
        const char *name;
    } names[] = {{1, "operationsError"},
                 {2, "protocolError"},
                 {7, "authMethodNotSupported"},
                 {12, "unavailableCriticalExtension"},
                 {13, "confidentialityRequired"},
                 {51, "busy"},
                 {52, "unavailable"},
                 {53, "unwillingToPerform"},
                 {80, "other"}};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].code == code)
            return names[i].name;
    return "unassigned here";
}

static enum tp_starttls_verdict judge_ldap(struct judge *j)
{
    uint8_t tag;
    size_t len;
    enum ber_st st = ber_head(&j->rd, &tag, &len);
    if (st == BER_MORE)
        return TP_STARTTLS_MORE;
    if (st == BER_BAD || tag != 0x30) /* LDAPMessage is a SEQUENCE */
        return not_service(j);
    if (len > TP_STARTTLS_MAX_BYTES)
        return say(j, TP_STARTTLS_ERROR, "LDAP message of %zu bytes is over the %zu-byte cap",
                   len, TP_STARTTLS_MAX_BYTES);
    tp_reader msg, op;
    if (tp_rd_left(&j->rd) < len)
        return TP_STARTTLS_MORE;
    uint32_t id, result;
    const uint8_t *dn, *diag;
    size_t dn_len, diag_len;
    size_t op_len;
    if (tp_rd_sub(&j->rd, "LDAPMessage", len, &msg) != TP_OK || !ber_uint(&msg, 0x02, &id) ||
        ber_head(&msg, &tag, &op_len) != BER_OK ||
        tp_rd_sub(&msg, "protocolOp", op_len, &op) != TP_OK)
        return say(j, TP_STARTTLS_ERROR, "malformed LDAP %s", j->s->what);
    /* [APPLICATION 24] ExtendedResponse (RFC 4511 Sec. 4.12). */
    if (tag != 0x78)
        return say(j, TP_STARTTLS_ERROR, "LDAP answered with operation 0x%02x, not an "
                   "ExtendedResponse", tag);
    if (!ber_uint(&op, 0x0a, &result) || !ber_take(&op, 0x04, &dn, &dn_len) ||
        !ber_take(&op, 0x04, &diag, &diag_len))
        return say(j, TP_STARTTLS_ERROR, "malformed LDAP %s", j->s->what);
    char q[QUOTE_BUF];
    quote(q, sizeof q, diag, diag_len);
    /* RFC 4511 Sec. 4.4.1: messageID 0 is an unsolicited notice of
     * disconnection, e.g. a server that cannot parse the request. */
    if (id == 0)
        return say(j, TP_STARTTLS_REFUSED, "LDAP notice of disconnection, resultCode %u (%s) '%s'",
                   result, ldap_result_name(result), q);
    if (id != 1)
        return say(j, TP_STARTTLS_ERROR, "LDAP reply to message %u, not to the StartTLS "
                   "request (1)", id);
    if (result != 0)
        return say(j, TP_STARTTLS_REFUSED, "LDAP resultCode %u (%s) '%s'", result,
                   ldap_result_name(result), q);
    return done(j);
}

/* ---- PostgreSQL ---- */

/* ErrorResponse: 'E', Int32 length, then (Byte1 code, String) fields
 * ending with a zero byte; 'M' is the message. */
static enum tp_starttls_verdict postgres_error(struct judge *j)
{
    uint32_t len;
    tp_reader body;
    if (tp_rd_u32(&j->rd, "ErrorResponse length", &len) != TP_OK)
        return TP_STARTTLS_MORE;
    if (len < 4 || len - 4 > TP_STARTTLS_MAX_BYTES)
        return not_service(j);
    if (tp_rd_left(&j->rd) < len - 4)
        return TP_STARTTLS_MORE;
    if (tp_rd_sub(&j->rd, "ErrorResponse", len - 4, &body) != TP_OK)
        return TP_STARTTLS_MORE;
    for (;;) {
        uint8_t code;
        if (tp_rd_u8(&body, "field code", &code) != TP_OK || code == 0)
            break;
        tp_reader look = body;
        size_t n = 0;
        uint8_t c = 1;
        while (c != 0 && tp_rd_u8(&look, "field", &c) == TP_OK)
            n++;
        const uint8_t *s;
        if (c != 0 || tp_rd_bytes(&body, "field", n, &s) != TP_OK)
            break;
        if (code == 'M') {
            char q[QUOTE_BUF];
            quote(q, sizeof q, s, n - 1);
            return say(j, TP_STARTTLS_REFUSED, "PostgreSQL error '%s'", q);
        }
    }
    return say(j, TP_STARTTLS_REFUSED, "PostgreSQL answered with an ErrorResponse");
}

static enum tp_starttls_verdict judge_postgres(struct judge *j)
{
    uint8_t c;
    if (tp_rd_u8(&j->rd, "SSLRequest reply", &c) != TP_OK)
        return TP_STARTTLS_MORE;
    if (c == 'S')
        return done(j);
    if (c == 'N')
        return say(j, TP_STARTTLS_REFUSED, "PostgreSQL answered 'N' (ssl is off)");
    /* A server before SSL support (7.0) answers with an error. */
    if (c == 'E')
        return postgres_error(j);
    return not_service(j);
}

/* ---- MySQL ---- */

#define MYSQL_CLIENT_SSL 0x0800u

static enum tp_starttls_verdict judge_mysql(struct judge *j)
{
    uint8_t b0, b1, b2, seq, kind;
    if (tp_rd_u8(&j->rd, "packet length", &b0) != TP_OK ||
        tp_rd_u8(&j->rd, "packet length", &b1) != TP_OK ||
        tp_rd_u8(&j->rd, "packet length", &b2) != TP_OK ||
        tp_rd_u8(&j->rd, "sequence id", &seq) != TP_OK)
        return TP_STARTTLS_MORE;
    size_t len = (size_t)b0 | (size_t)b1 << 8 | (size_t)b2 << 16;
    /* The first packet is the server's, number 0, and small. */
    if (seq != 0 || len == 0 || len > TP_STARTTLS_MAX_BYTES - 4)
        return not_service(j);
    if (tp_rd_left(&j->rd) < len)
        return TP_STARTTLS_MORE;
    tp_reader pkt;
    if (tp_rd_sub(&j->rd, "handshake", len, &pkt) != TP_OK ||
        tp_rd_u8(&pkt, "kind", &kind) != TP_OK)
        return TP_STARTTLS_MORE;
    if (kind == 0xff) { /* ERR_Packet: int<2> code, then the message */
        uint16_t code;
        const uint8_t *text;
        size_t text_len = tp_rd_left(&pkt) >= 2 ? tp_rd_left(&pkt) - 2 : 0;
        if (tp_rd_u16le(&pkt, "error code", &code) != TP_OK ||
            tp_rd_bytes(&pkt, "error message", text_len, &text) != TP_OK)
            return say(j, TP_STARTTLS_ERROR, "malformed MySQL error packet");
        char q[QUOTE_BUF];
        quote(q, sizeof q, text, text_len);
        return say(j, TP_STARTTLS_REFUSED, "MySQL error %u '%s'", code, q);
    }
    if (kind != 10)
        return not_service(j);
    /* HandshakeV10: server version (NUL-terminated), connection id,
     * 8 bytes of auth data, a filler, the low 16 capability bits. */
    uint8_t c = 1;
    while (c != 0)
        if (tp_rd_u8(&pkt, "server version", &c) != TP_OK)
            return say(j, TP_STARTTLS_ERROR, "malformed MySQL handshake");
    uint32_t conn;
    uint16_t caps;
    if (tp_rd_u32le(&pkt, "connection id", &conn) != TP_OK ||
        tp_rd_skip(&pkt, "auth data", 9) != TP_OK ||
        tp_rd_u16le(&pkt, "capabilities", &caps) != TP_OK)
        return say(j, TP_STARTTLS_ERROR, "malformed MySQL handshake");
    if ((caps & MYSQL_CLIENT_SSL) == 0)
        return say(j, TP_STARTTLS_REFUSED, "not offered in its MySQL handshake (no CLIENT_SSL)");
    return done(j);
}

static enum tp_starttls_verdict judge_none(struct judge *j)
{
    return done(j);
}

typedef enum tp_starttls_verdict (*judge_fn)(struct judge *j);

static const judge_fn judges[R_COUNT] = {
    [R_NONE] = judge_none,
    [R_CODE] = judge_code,
    [R_IMAP_GREETING] = judge_imap_greeting,
    [R_IMAP_TAGGED] = judge_imap_tagged,
    [R_POP3] = judge_pop3,
    [R_SIEVE] = judge_sieve,
    [R_XMPP_FEATURES] = judge_xmpp_features,
    [R_XMPP_PROCEED] = judge_xmpp_proceed,
    [R_LDAP] = judge_ldap,
    [R_POSTGRES] = judge_postgres,
    [R_MYSQL] = judge_mysql,
};

enum tp_starttls_verdict net_starttls_judge(enum tp_starttls proto, size_t step,
                                            const uint8_t *buf, size_t len,
                                            struct tp_starttls_reply *out)
{
    memset(out, 0, sizeof *out);
    const struct dialect *d = dialect_of(proto);
    if (d == NULL || step >= d->n_steps) {
        snprintf(out->msg, sizeof out->msg, "no STARTTLS step %zu for dialect %d", step,
                 (int)proto);
        return out->verdict = TP_STARTTLS_ERROR;
    }
    struct judge j = {d, &d->steps[step], buf, len, {0}, out};
    tp_rd_init(&j.rd, buf, len, NULL);
    enum tp_starttls_verdict v = judges[j.s->expect](&j);
    if (v == TP_STARTTLS_DONE && step + 1 == d->n_steps && out->used < len) {
        /* The server must wait for the ClientHello; bytes sent before it
         * would be taken as TLS, or injected into the session by a
         * man in the middle (RFC 3207 Sec. 4.2; CVE-2011-0411 and
         * CVE-2021-23222 are that bug on either side). */
        char q[QUOTE_BUF];
        quote(q, sizeof q, buf + out->used, len - out->used);
        v = say(&j, TP_STARTTLS_ERROR,
                "server sent %zu bytes after its %s %s, before the TLS handshake: '%s'",
                len - out->used, d->label, j.s->what, q);
    }
    if (v == TP_STARTTLS_MORE && len >= TP_STARTTLS_MAX_BYTES)
        v = say(&j, TP_STARTTLS_ERROR, "%s %s longer than %zu bytes", d->label, j.s->what,
                TP_STARTTLS_MAX_BYTES);
    if (v != TP_STARTTLS_DONE)
        out->used = 0;
    return out->verdict = v;
}

/* ---- the socket ---- */

struct dialogue {
    int fd;
    const struct dialect *d;
    enum tp_starttls proto;
    tp_deadline deadline;
    uint8_t *buf;     /* TP_STARTTLS_MAX_BYTES */
    size_t len;       /* received in all */
    size_t start;     /* where the current step's reply begins */
};

static tp_status send_request(const struct dialogue *g, const struct step *s,
                              const uint8_t *p, size_t n, tp_error *err)
{
    int e = net_send_all(g->fd, p, n, g->deadline);
    if (e == 0)
        return TP_OK;
    if (e == ETIMEDOUT)
        return tp_fail(err, TP_E_TIMEOUT, "timed out sending the %s request for its %s",
                       g->d->label, s->what);
    return tp_fail(err, e == EPIPE || e == ECONNRESET ? TP_E_TLS : TP_E_CONNECT,
                   "sending the %s request for its %s: %s", g->d->label, s->what, strerror(e));
}

/* What was received of the current reply, for a message. */
static void so_far(const struct dialogue *g, const struct step *s, char *out, size_t cap)
{
    size_t n = g->len - g->start;
    if (n == 0) {
        /* A server-first dialect met silence: a TLS port waits too. */
        snprintf(out, cap, "%s", s->send == NULL
                                     ? " (nothing received: if the port speaks TLS at once, "
                                       "drop --starttls)"
                                     : " (nothing received)");
        return;
    }
    char q[QUOTE_BUF];
    quote(q, sizeof q, g->buf + g->start, n);
    snprintf(out, cap, " (received %zu bytes: '%s')", n, q);
}

static tp_status receive_more(struct dialogue *g, const struct step *s, tp_error *err)
{
    char seen[QUOTE_BUF + 64];
    for (;;) {
        struct pollfd pfd = {.fd = g->fd, .events = POLLIN};
        int r = poll(&pfd, 1, (int)tp_deadline_left_ms(g->deadline));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return tp_fail(err, TP_E_CONNECT, "poll: %s", strerror(errno));
        if (r == 0) {
            so_far(g, s, seen, sizeof seen);
            return tp_fail(err, TP_E_TIMEOUT, "timed out waiting for the %s %s%s", g->d->label,
                           s->what, seen);
        }
        ssize_t n = recv(g->fd, g->buf + g->len, TP_STARTTLS_MAX_BYTES - g->len, 0);
        if (n > 0) {
            g->len += (size_t)n;
            return TP_OK;
        }
        if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        int e = n < 0 ? errno : 0;
        so_far(g, s, seen, sizeof seen);
        if (n == 0 || e == ECONNRESET)
            return tp_fail(err, TP_E_TLS, "server %s the connection before its %s %s was "
                           "complete%s", n == 0 ? "closed" : "reset", g->d->label, s->what,
                           seen);
        return tp_fail(err, TP_E_CONNECT, "receiving the %s %s: %s", g->d->label, s->what,
                       strerror(e));
    }
}

static tp_status run_step(struct dialogue *g, size_t i, const char *host, tp_error *err)
{
    const struct step *s = &g->d->steps[i];
    uint8_t req[TP_STARTTLS_MAX_REQUEST];
    size_t n;
    TP_TRY(net_starttls_request(g->proto, i, host, req, sizeof req, &n, err));
    if (n > 0)
        TP_TRY(send_request(g, s, req, n, err));
    for (;;) {
        struct tp_starttls_reply r;
        switch (net_starttls_judge(g->proto, i, g->buf + g->start, g->len - g->start, &r)) {
        case TP_STARTTLS_DONE:
            g->start += r.used;
            return TP_OK;
        case TP_STARTTLS_REFUSED:
        case TP_STARTTLS_ERROR:
            return tp_fail(err, r.turned_away ? TP_E_CONNECT : TP_E_TLS, "%s", r.msg);
        case TP_STARTTLS_MORE:
            break;
        }
        TP_TRY(receive_more(g, s, err));
    }
}

tp_status net_starttls(int fd, enum tp_starttls proto, const char *host, tp_deadline deadline,
                       tp_error *err)
{
    const struct dialect *d = dialect_of(proto);
    if (d == NULL)
        return tp_fail(err, TP_E_INTERNAL, "no STARTTLS dialect %d", (int)proto);
    struct dialogue g = {fd, d, proto, deadline, malloc(TP_STARTTLS_MAX_BYTES), 0, 0};
    if (g.buf == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    tp_status status = TP_OK;
    for (size_t i = 0; i < d->n_steps && status == TP_OK; i++)
        status = run_step(&g, i, host, err);
    free(g.buf);
    return status;
}
