/* hello.h: the client's first bytes on a --serve connection (RFC 8446
 * Sec. 4.1.2, RFC 5246 Sec. 7.4.1.2: the client speaks first, with a
 * ClientHello in one or more handshake records).
 *
 * Pure: called again with the whole buffer as more bytes arrive, it says
 * whether a complete ClientHello is there (then the offer is kept as
 * --read keeps one: capture/offer.h, with its JA4; a version 2.0
 * compatible hello announcing TLS counts, without JA4), more is needed, or
 * the bytes are not a usable TLS hello (a genuine SSL 2.0 CLIENT-HELLO,
 * plain text such as an HTTP request, garbage), with one line saying
 * which. */
#ifndef TP_SERVE_HELLO_H
#define TP_SERVE_HELLO_H

#include <stddef.h>
#include <stdint.h>

#include "report/timing_model.h"
#include "util/err.h"

/* Bytes read from one client before its ClientHello must be complete:
 * far above a real one (a post-quantum key share makes it ~2 KiB), and
 * the bound on what a flooding client costs us. */
#define TP_SERVE_MAX_HELLO (64u * 1024u)

enum tp_first_kind {
    TP_FIRST_NEED_MORE,     /* nothing wrong yet: read more */
    TP_FIRST_CLIENT_HELLO,  /* complete and parsed */
    TP_FIRST_SSL2,          /* an SSL 2.0 CLIENT-HELLO for SSL 2.0 itself */
    TP_FIRST_NOT_TLS,       /* plain text or garbage */
    TP_FIRST_BAD_TLS,       /* TLS records, but no usable ClientHello */
};

struct tp_first {
    enum tp_first_kind kind;
    char what[200];         /* one line for everything but the first two */
};

/* Look at buf[0..len). On TP_FIRST_CLIENT_HELLO the offer is in h (which
 * must be zeroed or finished before; tp_audit_hs_finish() releases it).
 * TP_E_NOMEM only: everything else is an answer in out. */
TP_MUST_CHECK tp_status tp_first_classify(const uint8_t *buf, size_t len,
                                          struct tp_audit_hs *h, struct tp_first *out);

#endif
