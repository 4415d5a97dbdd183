/* err.h: the one error type of tlsprobe.
 *
 * Fallible functions return tp_status and are marked TP_MUST_CHECK. When they
 * can say more, they also fill a caller-provided tp_error with a one-line
 * message (no trailing newline, no "error:" prefix). Only main() turns a
 * status into an exit code; nothing below it exits. */
#ifndef TP_ERR_H
#define TP_ERR_H

#include <stddef.h>

#define TP_MUST_CHECK __attribute__((warn_unused_result))
#define TP_PRINTF(a, b) __attribute__((format(printf, a, b)))

typedef enum tp_status {
    TP_OK = 0,
    TP_E_NOMEM,       /* allocation failed */
    TP_E_USAGE,       /* bad option or argument */
    TP_E_RESOLVE,     /* name did not resolve */
    TP_E_CONNECT,     /* no address accepted a TCP connection */
    TP_E_TIMEOUT,     /* a deadline passed */
    TP_E_TLS,         /* TLS handshake failed (alert, protocol error, non-TLS peer) */
    TP_E_PARSE,       /* malformed bytes: truncated, overlong, inconsistent */
    TP_E_LIMIT,       /* input larger than a documented cap */
    TP_E_IO,          /* local file or socket error */
    TP_E_UNSUPPORTED, /* valid input we do not handle */
    TP_E_INTERNAL,    /* a bug: an invariant failed */
} tp_status;

typedef struct tp_error {
    tp_status status;
    char msg[512];
} tp_error;

/* Record status and a formatted message in err (which may be NULL); returns
 * status so callers can write `return tp_fail(err, TP_E_IO, "...")`. The
 * first failure wins: a later call does not overwrite an earlier message. */
tp_status tp_fail(tp_error *err, tp_status status, const char *fmt, ...) TP_PRINTF(3, 4);

/* Clear err for reuse. */
void tp_error_clear(tp_error *err);

/* A stable lowercase name for status ("timeout", "tls", ...), used in JSON. */
const char *tp_status_name(tp_status status);

/* The one guard macro: propagate a non-OK status to the caller. Only for
 * functions that hold no resources; with resources, use a cleanup label. */
#define TP_TRY(expr)                                                                     \
    do {                                                                                 \
        tp_status tp_try_status_ = (expr);                                               \
        if (tp_try_status_ != TP_OK)                                                     \
            return tp_try_status_;                                                       \
    } while (0)

#endif
