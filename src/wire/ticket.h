/* ticket.h: the TLS 1.2 NewSessionTicket message (RFC 5077 Sec. 3.3):
 *     struct { uint32 ticket_lifetime_hint; opaque ticket<0..2^16-1>; } NewSessionTicket;
 * sent by the server, still in plaintext, right before its ChangeCipherSpec.
 * tp_ticket_find() walks a server's byte stream (records from the first,
 * handshake messages reassembled) up to the first ChangeCipherSpec and
 * copies out the first ticket. RFC 5077 Sec. 4 recommends that a ticket
 * start with a 16-byte key_name naming the key that protects it. */
#ifndef TP_TICKET_H
#define TP_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define TP_TICKET_MAX 65535u
#define TP_TICKET_KEY_NAME_LEN 16u

typedef struct tp_ticket {
    bool found;
    uint32_t lifetime_hint;
    uint8_t *ticket; /* owned: tp_ticket_finish() */
    size_t len;
} tp_ticket;

void tp_ticket_finish(tp_ticket *t);

/* Look for a NewSessionTicket in buf[0..len). Not finding one is TP_OK
 * with found false; a malformed record or message is TP_E_PARSE. */
TP_MUST_CHECK tp_status tp_ticket_find(const uint8_t *buf, size_t len, tp_ticket *out,
                                       tp_error *err);

#endif
