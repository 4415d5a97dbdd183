/* starttls_serve.h: the server side of the line-based STARTTLS dialects,
 * for --serve --starttls. It mirrors starttls.h: there tlsprobe is the
 * client and each dialect is a table of steps (send, expect); here
 * tlsprobe is the server and each dialect is a greeting plus a table of
 * rules (the client's command -> our reply, and what follows it), until
 * the client asks for TLS.
 *
 * Reading a command is pure: net_starttls_serve_answer() takes the bytes
 * received since the last command and says whether a whole command line
 * is there, and what to answer. The socket loop (src/serve/starttls.c),
 * the unit tests and the fuzz target share it.
 *
 * Caps: TP_STARTTLS_SERVE_MAX_LINE for one command line (RFC 5321
 * Sec. 4.5.3.1.4 allows SMTP 512 octets; IMAP's are longer, but nothing a
 * client sends before STARTTLS comes near), TP_STARTTLS_SERVE_MAX_COMMANDS
 * for the commands before STARTTLS. */
#ifndef TP_NET_STARTTLS_SERVE_H
#define TP_NET_STARTTLS_SERVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"

#define TP_STARTTLS_SERVE_MAX_LINE ((size_t)1024)
#define TP_STARTTLS_SERVE_MAX_COMMANDS 32u
/* The longest reply: a table reply with a tag of TP_STARTTLS_SERVE_MAX_TAG
 * bytes in each of its places. */
#define TP_STARTTLS_SERVE_MAX_REPLY ((size_t)512)
#define TP_STARTTLS_SERVE_MAX_TAG ((size_t)32)

/* Whether --serve can play proto's server side. */
bool net_starttls_serve_supported(enum tp_starttls proto);
/* "smtp, lmtp, ..." (the dialects with a server side) into out. */
void net_starttls_serve_list(char *out, size_t cap);

/* What the server sends first (a NUL-terminated line); NULL when proto has
 * no server side. */
const char *net_starttls_serve_greeting(enum tp_starttls proto);
/* What the server sends over TLS, once the client's first command came,
 * before it closes: the protocol's "service closing" reply, so that a
 * client leaves cleanly. NULL when proto has no server side. */
const char *net_starttls_serve_farewell(enum tp_starttls proto);

enum tp_starttls_serve_action {
    TP_SS_MORE = 0, /* no whole command line yet: read more */
    TP_SS_REPLY,    /* send reply, read the next command */
    TP_SS_REFUSE,   /* send reply: a command that needs TLS first (MAIL, LOGIN, USER) */
    TP_SS_TLS,      /* send reply; the client's ClientHello comes next */
    TP_SS_QUIT,     /* send reply and close: the client ended the session */
    TP_SS_ERROR,    /* not this protocol, or over a cap: msg says which */
};

struct tp_starttls_serve_answer {
    enum tp_starttls_serve_action action;
    size_t used;                              /* bytes the command line took */
    char command[24];                         /* its command word, printable, for messages */
    uint8_t reply[TP_STARTTLS_SERVE_MAX_REPLY];
    size_t reply_len;
    char msg[400];                            /* ERROR: one line, peer bytes escaped */
};

/* Answer buf[0..len), what the client sent since its last command. Pure.
 * A TLS record, an HTTP request, a byte that is not printable ASCII, a
 * line over TP_STARTTLS_SERVE_MAX_LINE, or bytes after the command that
 * asks for TLS (RFC 3207 Sec. 4.2: they would be taken as TLS, or are a
 * command injected before the handshake) are TP_SS_ERROR. */
enum tp_starttls_serve_action net_starttls_serve_answer(enum tp_starttls proto,
                                                        const uint8_t *buf, size_t len,
                                                        struct tp_starttls_serve_answer *out);

#endif
