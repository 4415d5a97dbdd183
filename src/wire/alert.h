/* alert.h: the Alert message (RFC 8446 Sec. 6, RFC 5246 Sec. 7.2):
 *     enum { warning(1), fatal(2), (255) } AlertLevel;
 *     struct { AlertLevel level; AlertDescription description; } Alert;
 * Descriptions cover RFC 8446 Sec. 6 and the ones earlier versions and
 * extensions defined (RFC 5246, RFC 6101, RFC 7507, RFC 7301, RFC 8446). */
#ifndef TP_ALERT_H
#define TP_ALERT_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

enum { TP_ALERT_WARNING = 1, TP_ALERT_FATAL = 2 };

enum {
    TP_AD_CLOSE_NOTIFY = 0,
    TP_AD_HANDSHAKE_FAILURE = 40,
    TP_AD_PROTOCOL_VERSION = 70,
    TP_AD_INSUFFICIENT_SECURITY = 71,
    TP_AD_INAPPROPRIATE_FALLBACK = 86,
    TP_AD_UNRECOGNIZED_NAME = 112,
};

typedef struct tp_alert {
    uint8_t level;
    uint8_t description;
} tp_alert;

/* Parse one alert (2 bytes) from the front of buf; len must be at least 2
 * and even (RFC 5246 allows several alerts in one record, never half a one
 * in practice). The first alert is returned. */
TP_MUST_CHECK tp_status tp_alert_parse(const uint8_t *buf, size_t len, tp_alert *out,
                                       tp_error *err);
/* "handshake_failure" ...; NULL for a value no RFC defines. */
const char *tp_alert_name(uint8_t description);
/* "warning", "fatal"; NULL otherwise. */
const char *tp_alert_level_name(uint8_t level);

#endif
