/* writer.h: a growable byte writer for TLS/SSL wire messages, the mirror of
 * reader.h. It implements the encoding rules of RFC 8446 Sec. 3 ("Presentation
 * Language"): numbers are big-endian (Sec. 3.3), and a variable-length vector
 * is prefixed by a length field "of the minimum number of bytes required to
 * hold the vector's specified maximum" (Sec. 3.4).
 *
 * A vector is written by reserving its length field (tp_wr_begin_u8/u16/u24,
 * which return a mark), writing the body, and back-filling the length with
 * tp_wr_end(mark), which checks that the body fits the field.
 *
 * Errors are sticky: the write functions return nothing, the first failure
 * (a size cap, an overflowing length, an allocation) is kept and every later
 * write is a no-op. Check once at the end with tp_wr_status().
 *
 * tp_wr_init/tp_wr_finish bracket a caller-owned writer; tp_wr_finish frees
 * the buffer (and is a no-op on a zeroed or finished writer). */
#ifndef TP_WRITER_H
#define TP_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

/* Default and hard cap on what one writer may hold: the largest message we
 * build is a ClientHello with every 2-byte cipher suite code, well below. */
#define TP_WR_DEFAULT_MAX ((size_t)1 << 20)

typedef struct tp_writer {
    uint8_t *buf;
    size_t len;
    size_t cap;
    size_t max;        /* writes beyond this many bytes fail with TP_E_LIMIT */
    size_t open_marks; /* begun but not yet ended vectors */
    tp_status status;  /* sticky: the first failure */
    tp_error *err;     /* where the first failure is described; may be NULL */
} tp_writer;

/* A reserved length field: where it is and how wide (1, 2 or 3 bytes). */
typedef struct tp_wr_mark {
    size_t pos;
    uint8_t width;
} tp_wr_mark;

/* max == 0 means TP_WR_DEFAULT_MAX. */
void tp_wr_init(tp_writer *wr, size_t max, tp_error *err);
void tp_wr_finish(tp_writer *wr);
/* Forget the contents (and any failure) but keep the allocation. */
void tp_wr_reset(tp_writer *wr);

void tp_wr_u8(tp_writer *wr, uint8_t v);
void tp_wr_u16(tp_writer *wr, uint16_t v);
void tp_wr_u24(tp_writer *wr, uint32_t v);
void tp_wr_u32(tp_writer *wr, uint32_t v);
void tp_wr_bytes(tp_writer *wr, const uint8_t *p, size_t n);
/* n zero bytes. */
void tp_wr_zeros(tp_writer *wr, size_t n);

tp_wr_mark tp_wr_begin_u8(tp_writer *wr);
tp_wr_mark tp_wr_begin_u16(tp_writer *wr);
tp_wr_mark tp_wr_begin_u24(tp_writer *wr);
/* Back-fill the length of everything written since the mark. Fails
 * (stickily) if it does not fit the field. */
void tp_wr_end(tp_writer *wr, tp_wr_mark mark);

/* Overwrite a 16-bit value already written at pos (e.g. the length of an
 * SSLv2 record header, which is not a TLS vector). */
void tp_wr_put_u16_at(tp_writer *wr, size_t pos, uint16_t v);
/* Overwrite n bytes already written at pos (e.g. a PSK binder computed
 * over the message around it). */
void tp_wr_put_bytes_at(tp_writer *wr, size_t pos, const uint8_t *p, size_t n);

/* TP_OK, or the first failure. A vector begun but not ended is a failure
 * (TP_E_INTERNAL): the caller forgot a tp_wr_end(). */
TP_MUST_CHECK tp_status tp_wr_status(const tp_writer *wr);

/* The bytes written so far; owned by the writer. */
const uint8_t *tp_wr_data(const tp_writer *wr);
size_t tp_wr_len(const tp_writer *wr);

#endif
