/* alert.c: Alert parsing and names (RFC 8446 Sec. 6, RFC 5246 Sec. 7.2). */
#include "wire/alert.h"

#include "wire/reader.h"

#include "util/banned.h"

tp_status tp_alert_parse(const uint8_t *buf, size_t len, tp_alert *out, tp_error *err)
{
    tp_reader rd;
    tp_rd_init(&rd, buf, len, err);
    TP_TRY(tp_rd_u8(&rd, "alert level", &out->level));
    TP_TRY(tp_rd_u8(&rd, "alert description", &out->description));
    if (len % 2 != 0)
        return tp_fail(err, TP_E_PARSE, "alert record of %zu bytes holds a partial alert", len);
    /* RFC 5246 Sec. 7.2: enum { warning(1), fatal(2), (255) } AlertLevel. */
    if (out->level != TP_ALERT_WARNING && out->level != TP_ALERT_FATAL)
        return tp_fail(err, TP_E_PARSE, "alert level %u is neither warning(1) nor fatal(2)",
                       out->level);
    return TP_OK;
}

const char *tp_alert_level_name(uint8_t level)
{
    return level == TP_ALERT_WARNING ? "warning" : level == TP_ALERT_FATAL ? "fatal" : NULL;
}

const char *tp_alert_name(uint8_t description)
{
    /* RFC 8446 Sec. 6 names; values it marks reserved keep the name of the
     * RFC that defined them (RFC 5246 Sec. 7.2, RFC 6101 Sec. 5.4.2). */
    static const char *const names[256] = {
        [0] = "close_notify",
        [10] = "unexpected_message",
        [20] = "bad_record_mac",
        [21] = "decryption_failed",
        [22] = "record_overflow",
        [30] = "decompression_failure",
        [40] = "handshake_failure",
        [41] = "no_certificate",
        [42] = "bad_certificate",
        [43] = "unsupported_certificate",
        [44] = "certificate_revoked",
        [45] = "certificate_expired",
        [46] = "certificate_unknown",
        [47] = "illegal_parameter",
        [48] = "unknown_ca",
        [49] = "access_denied",
        [50] = "decode_error",
        [51] = "decrypt_error",
        [60] = "export_restriction",
        [70] = "protocol_version",
        [71] = "insufficient_security",
        [80] = "internal_error",
        [86] = "inappropriate_fallback",
        [90] = "user_canceled",
        [100] = "no_renegotiation",
        [109] = "missing_extension",
        [110] = "unsupported_extension",
        [111] = "certificate_unobtainable",
        [112] = "unrecognized_name",
        [113] = "bad_certificate_status_response",
        [114] = "bad_certificate_hash_value",
        [115] = "unknown_psk_identity",
        [116] = "certificate_required",
        [120] = "no_application_protocol",
        [121] = "ech_required",
    };
    return names[description];
}
