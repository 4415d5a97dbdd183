/* heartbeat.h: the Heartbeat protocol (RFC 6520 Sec. 4) and what a server
 * sends after its first flight, for the vulnerability checks (src/vuln/).
 *
 *     enum { heartbeat_request(1), heartbeat_response(2), (255) } HeartbeatMessageType;
 *     struct { HeartbeatMessageType type; uint16 payload_length;
 *              opaque payload[HeartbeatMessage.payload_length];
 *              opaque padding[padding_length]; } HeartbeatMessage;
 * RFC 6520 Sec. 4: "The padding_length MUST be at least 16", and "If the
 * payload_length of a received HeartbeatMessage is too large, the received
 * HeartbeatMessage MUST be discarded silently." A Heartbleed server
 * (CVE-2014-0160) instead answers with payload_length bytes of its memory.
 *
 * The reply scanner walks the whole records a server sent after its first
 * flight (or after our follow-up) and notes the first alert, the first
 * heartbeat message and any ChangeCipherSpec: the facts every check
 * decides on. Parsed slices BORROW the input buffer. */
#ifndef TP_HEARTBEAT_H
#define TP_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "wire/alert.h"
#include "wire/writer.h"

enum { TP_HB_REQUEST = 1, TP_HB_RESPONSE = 2 };
#define TP_HB_MIN_PADDING 16u

typedef struct tp_heartbeat {
    uint8_t type;
    uint16_t payload_length;  /* as claimed */
    size_t bytes_after_header; /* what the message really carries after type and length */
} tp_heartbeat;

/* Write one heartbeat record (type 24) of version whose message claims
 * claimed_length but carries payload[0..n) and padding zero bytes. */
void tp_heartbeat_write(tp_writer *wr, uint16_t version, uint16_t claimed_length,
                        const uint8_t *payload, size_t n, size_t padding);

/* Parse one heartbeat message (a record's fragment). */
TP_MUST_CHECK tp_status tp_heartbeat_parse(const uint8_t *buf, size_t len, tp_heartbeat *out,
                                           tp_error *err);

typedef struct tp_reply {
    size_t records;            /* whole records seen */
    size_t used;               /* bytes of those records */
    bool partial;              /* the buffer ends inside a record */
    bool malformed;            /* a record header or message that does not parse */
    tp_error error;            /* why, when malformed */
    bool has_alert;
    tp_alert alert;            /* the first alert */
    size_t alert_index;        /* its record's index */
    bool has_heartbeat;
    tp_heartbeat heartbeat;    /* the first heartbeat message */
    size_t heartbeat_index;
    size_t heartbeat_record_len; /* its record's fragment length */
    bool change_cipher_spec;
    size_t handshake_records, other_records;
} tp_reply;

/* Scan buf[0..len): every whole record, in order. Never fails: a bad record
 * sets malformed and stops the scan there. */
void tp_reply_scan(const uint8_t *buf, size_t len, tp_reply *out);

#endif
