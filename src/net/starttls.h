/* starttls.h: the plaintext dialogue that upgrades a connection to TLS
 * (--starttls). Each dialect is a row of a table of steps: what the client
 * sends, and how the server's reply is read (starttls.c). When
 * net_starttls() returns TP_OK the next byte on the socket is the client's
 * ClientHello.
 *
 * Reading a reply is pure: net_starttls_judge() takes the bytes received so
 * far for one step and says whether a whole reply is there and what it
 * meant. The socket loop, the unit tests and the fuzz target share it.
 *
 * Caps: TP_STARTTLS_MAX_BYTES for everything the server sends in the whole
 * dialogue, TP_STARTTLS_MAX_LINE for one line of a line-based dialect. */
#ifndef TP_NET_STARTTLS_H
#define TP_NET_STARTTLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli/config.h"
#include "util/clock.h"
#include "util/err.h"

#define TP_STARTTLS_MAX_BYTES ((size_t)64 * 1024)
#define TP_STARTTLS_MAX_LINE ((size_t)4096)
/* The longest request: the XMPP stream header with a 253-byte host name
 * whose every byte needs an XML escape. */
#define TP_STARTTLS_MAX_REQUEST ((size_t)2048)

/* "smtp", ...; NULL for TP_STARTTLS_NONE or a value out of range. */
const char *net_starttls_name(enum tp_starttls proto);
/* The dialect called name, TP_STARTTLS_NONE if there is none. */
enum tp_starttls net_starttls_by_name(const char *name);
/* The service's registered port (e.g. 25 for smtp), 0 for none. */
uint16_t net_starttls_port(enum tp_starttls proto);
/* "smtp, lmtp, ..." into out (always terminated). */
void net_starttls_list(char *out, size_t cap);

/* Steps of a dialect's dialogue (0 for none). */
size_t net_starttls_steps(enum tp_starttls proto);

/* The bytes the client sends at step (possibly none: *len_out = 0), with
 * host where the dialect names the server (XMPP's stream header). */
TP_MUST_CHECK tp_status net_starttls_request(enum tp_starttls proto, size_t step,
                                             const char *host, uint8_t *out, size_t cap,
                                             size_t *len_out, tp_error *err);

enum tp_starttls_verdict {
    TP_STARTTLS_MORE = 0, /* no whole reply yet: read more */
    TP_STARTTLS_DONE,     /* the reply the step waits for: go on */
    TP_STARTTLS_REFUSED,  /* a well-formed no (SMTP 454, IMAP NO, LDAP resultCode...) */
    TP_STARTTLS_ERROR,    /* not this protocol, malformed, or over a cap */
};

struct tp_starttls_reply {
    enum tp_starttls_verdict verdict;
    size_t used;      /* bytes the reply took (DONE) */
    bool turned_away; /* REFUSED by the greeting itself ("421 too busy"): the
                       * server took no session, STARTTLS was never asked */
    char msg[400];    /* REFUSED, ERROR: one line, peer bytes escaped */
};

/* Judge buf[0..len), everything received for step so far. Pure. At the
 * last step, bytes after the reply are an ERROR: the server must wait for
 * the ClientHello (RFC 3207 Sec. 4.2, RFC 2595 Sec. 3.1). */
enum tp_starttls_verdict net_starttls_judge(enum tp_starttls proto, size_t step,
                                            const uint8_t *buf, size_t len,
                                            struct tp_starttls_reply *out);

/* Run proto's dialogue on fd (connected, non-blocking), every read and
 * write bounded by deadline. TP_E_TLS when the server refuses STARTTLS
 * ("server refused STARTTLS: 454 TLS not available") or is not the
 * service; TP_E_TIMEOUT at the deadline; TP_E_CONNECT on a socket error or
 * when the greeting turns the connection away (a busy server, which a
 * later try may find free). */
TP_MUST_CHECK tp_status net_starttls(int fd, enum tp_starttls proto, const char *host,
                                     tp_deadline deadline, tp_error *err);

#endif
