/* reader.h: the one bounds-checked reader for untrusted bytes (network,
 * capture files). Every read checks the remaining length and fails with
 * TP_E_PARSE naming the field; nothing is silently read as zero.
 *
 * A length-prefixed vector is entered with tp_rd_sub_*(), which yields a
 * sub-reader over exactly that many bytes; the caller parses it and then
 * calls tp_rd_expect_end() on it, so that leftover bytes are an error too.
 * Readers borrow the buffer; they never own or copy it. */
#ifndef TP_READER_H
#define TP_READER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

typedef struct tp_reader {
    const uint8_t *base;
    size_t len;
    size_t pos;
    tp_error *err; /* where failures are described; may be NULL */
} tp_reader;

void tp_rd_init(tp_reader *rd, const uint8_t *base, size_t len, tp_error *err);
size_t tp_rd_left(const tp_reader *rd);

TP_MUST_CHECK tp_status tp_rd_u8(tp_reader *rd, const char *field, uint8_t *out);
TP_MUST_CHECK tp_status tp_rd_u16(tp_reader *rd, const char *field, uint16_t *out);
TP_MUST_CHECK tp_status tp_rd_u24(tp_reader *rd, const char *field, uint32_t *out);
TP_MUST_CHECK tp_status tp_rd_u32(tp_reader *rd, const char *field, uint32_t *out);
/* Little-endian reads, for pcap headers. */
TP_MUST_CHECK tp_status tp_rd_u16le(tp_reader *rd, const char *field, uint16_t *out);
TP_MUST_CHECK tp_status tp_rd_u32le(tp_reader *rd, const char *field, uint32_t *out);
/* Borrow n bytes: *out points into the buffer. */
TP_MUST_CHECK tp_status tp_rd_bytes(tp_reader *rd, const char *field, size_t n,
                                    const uint8_t **out);
TP_MUST_CHECK tp_status tp_rd_skip(tp_reader *rd, const char *field, size_t n);
/* Sub-reader over the next n bytes (advances rd past them). */
TP_MUST_CHECK tp_status tp_rd_sub(tp_reader *rd, const char *field, size_t n, tp_reader *sub);
/* Read an 8/16/24-bit length, then a sub-reader of that length. min and max
 * bound the length (RFC presentation language <min..max>). */
TP_MUST_CHECK tp_status tp_rd_sub_u8(tp_reader *rd, const char *field, size_t min, size_t max,
                                     tp_reader *sub);
TP_MUST_CHECK tp_status tp_rd_sub_u16(tp_reader *rd, const char *field, size_t min, size_t max,
                                      tp_reader *sub);
TP_MUST_CHECK tp_status tp_rd_sub_u24(tp_reader *rd, const char *field, size_t min, size_t max,
                                      tp_reader *sub);
/* Fail unless every byte was consumed. */
TP_MUST_CHECK tp_status tp_rd_expect_end(const tp_reader *rd, const char *field);

#endif
