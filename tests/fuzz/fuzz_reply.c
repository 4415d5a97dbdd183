/* Fuzz target: what a server sends after its first flight, as the
 * vulnerability checks read it (src/wire/heartbeat.c: the reply scanner
 * and the HeartbeatMessage parser) and the TLS 1.2 NewSessionTicket
 * search of the ticket checks (src/wire/ticket.c). */
#include "fuzz.h"

#include "wire/heartbeat.h"
#include "wire/ticket.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_reply reply;
    tp_reply_scan(data, size, &reply);
    tp_heartbeat hb;
    tp_error err = {0};
    tp_status status = tp_heartbeat_parse(data, size, &hb, &err);
    tp_ticket ticket;
    if (tp_ticket_find(data, size, &ticket, &err) == TP_OK)
        tp_ticket_finish(&ticket);
    return status == TP_OK ? 0 : 0;
}
