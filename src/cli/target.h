/* target.h: parse the HOST[:PORT] operand.
 * Accepted: "host", "host:port", "1.2.3.4", "1.2.3.4:port", "[v6]",
 * "[v6]:port", and a bare IPv6 literal "2001:db8::1" (more than one colon and
 * no brackets: the whole operand is the address, the port is the default). */
#ifndef TP_TARGET_H
#define TP_TARGET_H

#include <stdint.h>

#include "util/err.h"

/* On success *host_out is a heap string the caller frees. */
TP_MUST_CHECK tp_status cli_parse_target(const char *operand, uint16_t default_port,
                                         char **host_out, uint16_t *port_out, tp_error *err);

#endif
