/* serve.h: --serve. tlsprobe plays the server a device (a TLS client)
 * connects to: each connection is recorded (its ClientHello audited as
 * --read audits one, JA4 included) and answered with the next case of the
 * battery (battery.h); what the client then does is the case's verdict.
 * It stops when every case is decided, after --connections, or at
 * --timeout. One connection at a time: devices reconnect one after the
 * other, and the order of the cases is the point. With --starttls each
 * connection first plays the protocol's server side in plaintext
 * (starttls.c) until the client asks for TLS. */
#ifndef TP_SERVE_SERVE_H
#define TP_SERVE_SERVE_H

#include <stdbool.h>
#include <stdint.h>

#include "cli/config.h"
#include "report/model.h"
#include "util/clock.h"
#include "util/err.h"

/* The generated CA's files, in the working directory: this prefix, the
 * run's UTC time (YYYYMMDD-HHMMSS), a "-N" when that name is taken, and
 * .pem / .key. A run never replaces a file: the CA of an earlier run may
 * be installed on a device, and is reused with --serve-ca/--serve-ca-key. */
#define TP_SERVE_CA_PREFIX "tlsprobe-serve-ca-"

/* Fill report->serve and the findings. progress: a line per connection on
 * stderr. TP_E_USAGE (CA files, an address that cannot be bound is
 * TP_E_CONNECT), TP_E_TIMEOUT when --timeout ended the battery before
 * every case was decided (the report holds what was), TP_E_NOMEM. */
TP_MUST_CHECK tp_status serve_run(const struct tp_config *cfg, struct tp_report *report,
                                  bool progress, tp_error *err);

/* ---- listen.c ---- */

/* Bind and listen on host:port (numeric or a name; port 0 picks one).
 * *bound receives "addr:port" as bound ("[v6]:port"). TP_E_CONNECT. */
TP_MUST_CHECK tp_status serve_listen(const char *host, uint16_t port, int *fd, char *bound,
                                     size_t bound_size, tp_error *err);
/* The next connection, or TP_E_TIMEOUT at deadline. peer: "addr:port". */
TP_MUST_CHECK tp_status serve_accept(int lfd, tp_deadline deadline, int *fd, char *peer,
                                     size_t peer_size, tp_error *err);
/* Read from fd into buf (cap bytes) until hello.h's classifier decides, the
 * client closes or stalls past deadline, or cap bytes came without a whole
 * ClientHello; first says which (a stall, a close or a flood is
 * TP_FIRST_NOT_TLS or TP_FIRST_BAD_TLS with the reason). TP_E_NOMEM. */
struct tp_first;
struct tp_audit_hs;
TP_MUST_CHECK tp_status serve_read_hello(int fd, tp_deadline deadline, uint8_t *buf, size_t cap,
                                         size_t *len, struct tp_audit_hs *h,
                                         struct tp_first *first);

/* ---- starttls.c ---- */

struct serve_dialogue {
    bool upgraded;   /* the client asked for TLS and was told to go ahead */
    unsigned commands;
    char why[448];   /* not upgraded: one line ("client did not ask for STARTTLS: ...") */
};

/* --starttls: greet on fd and answer the client's commands until it asks
 * for TLS (its ClientHello is then the next byte), it leaves, it sends
 * what is not proto, or deadline. */
void serve_starttls(int fd, enum tp_starttls proto, tp_deadline deadline,
                    struct serve_dialogue *out);

#endif
