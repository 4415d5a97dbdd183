#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "util/banned.h"

tp_status tp_fail(tp_error *err, tp_status status, const char *fmt, ...)
{
    if (err == NULL || err->status != TP_OK)
        return status;
    err->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return status;
}

void tp_error_clear(tp_error *err)
{
    if (err == NULL)
        return;
    err->status = TP_OK;
    err->msg[0] = '\0';
}

const char *tp_status_name(tp_status status)
{
    static const char *const names[] = {
        [TP_OK] = "ok",
        [TP_E_NOMEM] = "out-of-memory",
        [TP_E_USAGE] = "usage",
        [TP_E_RESOLVE] = "resolve",
        [TP_E_CONNECT] = "connect",
        [TP_E_TIMEOUT] = "timeout",
        [TP_E_TLS] = "tls",
        [TP_E_PARSE] = "malformed",
        [TP_E_LIMIT] = "too-large",
        [TP_E_IO] = "io",
        [TP_E_UNSUPPORTED] = "unsupported",
        [TP_E_INTERNAL] = "internal",
    };
    if ((size_t)status < sizeof names / sizeof names[0] && names[status] != NULL)
        return names[status];
    return "internal";
}
