/* json_util.h: the small jansson builders every JSON renderer uses
 * (json.c, scan_json.c, timing_json.c), so that a string, a tri-state, a
 * code point or a version is written the same way in every part of the
 * document (schema in man/tlsprobe-json.5.scd).
 *
 * Internal to src/report/. Names start with "j" (jput, jstr, ...) rather
 * than "json_", which is jansson's namespace; they are short because a
 * builder chains dozens of them with &&.
 *
 * The j* value builders return a new reference, or NULL when an
 * allocation failed. jput() and jappend() take ownership of the value in
 * every case (they release it when they fail, and treat NULL as a failed
 * builder), so a chain of them joined with && never leaks. */
#ifndef TP_REPORT_JSON_UTIL_H
#define TP_REPORT_JSON_UTIL_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "report/model.h"

/* obj[key] = value; false when value is NULL or jansson failed. */
bool jput(json_t *obj, const char *key, json_t *value);

/* array += value; false when value is NULL or jansson failed. */
bool jappend(json_t *array, json_t *value);

/* A model string: null when absent, else made valid UTF-8 (RFC 8259
 * Sec. 8.1; invalid bytes become U+FFFD), since it may come from the peer. */
json_t *jstr(const char *s);

/* As jstr(), with the empty string as "none" too (null). */
json_t *jstr_nonempty(const char *s);

/* true / false / null. */
json_t *jtri(enum tp_tri value);

/* A code point as IANA writes it: "0xC02F". */
json_t *jcode(uint16_t code);

/* jcode(), or null for 0 (not negotiated). */
json_t *jcode_or_null(uint16_t code);

/* An integer, or null for 0 (unknown). */
json_t *juint_or_null(uint64_t value);

/* A version by name ("TLSv1.3"); one without a name (a draft, garbage) as
 * its code ("0x7F1C"); null for 0 (none). */
json_t *jversion(uint16_t version);

/* A duration in microseconds as milliseconds (a real: 12.345). */
json_t *jms_from_us(uint64_t us);

/* The extension names of the TP_OFFER_* bits in parts, in bit order, as an
 * array (empty for 0). */
json_t *joffer_parts(uint32_t parts);

/* A policy's verdict into o: rating, reason, reference and reasons (the
 * rule engine's order, worst first); null throughout when unrated. Used
 * by --enum (scan_json.c) and --dtls --enum (json.c) alike. */
bool jput_verdict(json_t *o, const struct tp_verdict *v);

#endif
