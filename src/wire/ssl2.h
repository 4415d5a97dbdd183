/* ssl2.h: parse SSL 2.0 server messages (draft-hickman-netscape-ssl-00,
 * "Server Only Protocol Messages" and "Error Messages"):
 *
 *     SERVER-HELLO:
 *     char MSG-SERVER-HELLO (4); char SESSION-ID-HIT; char CERTIFICATE-TYPE;
 *     char SERVER-VERSION-MSB, -LSB; char CERTIFICATE-LENGTH-MSB, -LSB;
 *     char CIPHER-SPECS-LENGTH-MSB, -LSB; char CONNECTION-ID-LENGTH-MSB, -LSB;
 *     char CERTIFICATE-DATA[]; char CIPHER-SPECS-DATA[] (3 bytes each);
 *     char CONNECTION-ID-DATA[]
 *
 *     ERROR: char MSG-ERROR (0); char ERROR-CODE-MSB, -LSB
 *
 * Input is one record's data (see tp_ssl2_record_next()). A SERVER-HELLO
 * with an empty cipher list is valid here: servers with SSL 2.0 enabled but
 * no SSL 2.0 cipher send exactly that, and the caller must see it.
 * Parsed structs BORROW the caller's buffer. */
#ifndef TP_SSL2_H
#define TP_SSL2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum {
    TP_SSL2_MT_ERROR = 0,
    TP_SSL2_MT_CLIENT_HELLO = 1,
    TP_SSL2_MT_SERVER_HELLO = 4,
};

/* ERROR-CODE values. */
enum {
    TP_SSL2_PE_NO_CIPHER = 0x0001,
    TP_SSL2_PE_NO_CERTIFICATE = 0x0002,
    TP_SSL2_PE_BAD_CERTIFICATE = 0x0004,
    TP_SSL2_PE_UNSUPPORTED_CERTIFICATE_TYPE = 0x0006,
};

typedef struct tp_ssl2_server_hello {
    bool session_id_hit;
    uint8_t certificate_type;  /* 1: SSL_CT_X509_CERTIFICATE */
    uint16_t version;          /* 0x0002 for SSL 2.0 */
    const uint8_t *certificate;
    size_t certificate_len;
    const uint8_t *kinds;      /* n_kinds 3-byte cipher kinds; tp_ssl2_kind_at() */
    size_t n_kinds;
    const uint8_t *connection_id;
    size_t connection_id_len;
} tp_ssl2_server_hello;

TP_MUST_CHECK tp_status tp_ssl2_sh_parse(const uint8_t *msg, size_t len,
                                         tp_ssl2_server_hello *out, tp_error *err);
TP_MUST_CHECK tp_status tp_ssl2_error_parse(const uint8_t *msg, size_t len, uint16_t *code,
                                            tp_error *err);
/* "NO-CIPHER-ERROR" ...; NULL for an unknown code. */
const char *tp_ssl2_error_name(uint16_t code);

#endif
