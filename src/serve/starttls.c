/* starttls.c: the plaintext part of a --serve --starttls connection
 * (serve.h): greet, answer the client's commands from the dialect's table
 * (net/starttls_serve.h) until it asks for TLS, within the connection's
 * deadline, TP_STARTTLS_SERVE_MAX_COMMANDS commands and one line of
 * TP_STARTTLS_SERVE_MAX_LINE bytes at a time. */
#include "serve/serve.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/net.h"
#include "net/starttls_serve.h"
#include "util/banned.h"

static void why(struct serve_dialogue *out, const char *fmt, ...) TP_PRINTF(2, 3);
static void why(struct serve_dialogue *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->why, sizeof out->why, fmt, ap);
    va_end(ap);
}

/* The client's last command, for the reason it never asked for TLS. */
static void not_asked(struct serve_dialogue *out, const char *how, const char *last)
{
    if (out->commands == 0)
        why(out, "client did not ask for STARTTLS: it %s after the greeting", how);
    else
        why(out, "client did not ask for STARTTLS: it %s after %u command%s (the last: %s)", how,
            out->commands, out->commands == 1 ? "" : "s", last);
}

void serve_starttls(int fd, enum tp_starttls proto, tp_deadline deadline,
                    struct serve_dialogue *out)
{
    memset(out, 0, sizeof *out);
    /* Each reply is one small segment the client waits for: without
     * TCP_NODELAY, Nagle holds a reply that follows an unacknowledged one
     * (the farewell after the TLS records) for the client's delayed ACK,
     * some 40 ms a connection. */
    int on = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
    const char *greeting = net_starttls_serve_greeting(proto);
    if (greeting == NULL) {
        why(out, "no STARTTLS server side for this protocol");
        return;
    }
    if (net_send_all(fd, (const uint8_t *)greeting, strlen(greeting), deadline) != 0) {
        why(out, "client went away before the greeting was sent");
        return;
    }
    uint8_t buf[TP_STARTTLS_SERVE_MAX_LINE];
    size_t len = 0;
    char last[sizeof ((struct tp_starttls_serve_answer *)0)->command] = "";
    struct tp_starttls_serve_answer a;
    for (;;) {
        switch (net_starttls_serve_answer(proto, buf, len, &a)) {
        case TP_SS_ERROR:
            why(out, "%s", a.msg);
            return;
        case TP_SS_MORE: {
            int rc = net_wait_fd(fd, POLLIN, deadline);
            if (rc <= 0) {
                not_asked(out, rc == 0 ? "went silent" : "failed", last);
                return;
            }
            ssize_t n = recv(fd, buf + len, sizeof buf - len, 0);
            if (n > 0)
                len += (size_t)n;
            else if (n == 0 || (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK)) {
                not_asked(out, n == 0 ? "closed the connection" : "reset the connection", last);
                return;
            }
            continue;
        }
        case TP_SS_REPLY:
        case TP_SS_REFUSE:
        case TP_SS_TLS:
        case TP_SS_QUIT:
            break;
        }
        snprintf(last, sizeof last, "%s", a.command);
        out->commands++;
        if (net_send_all(fd, a.reply, a.reply_len, deadline) != 0) {
            not_asked(out, "went away", last);
            return;
        }
        if (a.action == TP_SS_TLS) {
            out->upgraded = true;
            return;
        }
        if (a.action == TP_SS_QUIT) {
            not_asked(out, "quit", last);
            return;
        }
        if (out->commands >= TP_STARTTLS_SERVE_MAX_COMMANDS) {
            not_asked(out, "kept on", last);
            return;
        }
        memmove(buf, buf + a.used, len - a.used);
        len -= a.used;
    }
}
