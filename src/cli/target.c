#include "cli/target.h"

#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/banned.h"

#define MAX_HOST_LEN 253 /* RFC 1035 Sec. 2.3.4, textual form */

static tp_status parse_port(const char *text, uint16_t *port, tp_error *err)
{
    uint32_t value;
    if (cli_parse_uint(text, 1, 65535, &value) != TP_OK)
        return tp_fail(err, TP_E_USAGE, "invalid port '%s' (expected 1-65535)", text);
    *port = (uint16_t)value;
    return TP_OK;
}

static tp_status check_host(const char *host, size_t len, const char *operand, tp_error *err)
{
    if (len == 0)
        return tp_fail(err, TP_E_USAGE, "missing host in '%s'", operand);
    if (len > MAX_HOST_LEN)
        return tp_fail(err, TP_E_USAGE, "host name too long (%zu > %d bytes)", len,
                       MAX_HOST_LEN);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)host[i];
        if (c <= ' ' || c == 0x7f || c == '/' || c == '[' || c == ']')
            return tp_fail(err, TP_E_USAGE, "invalid character in host '%s'", operand);
    }
    return TP_OK;
}

tp_status cli_parse_target(const char *operand, uint16_t default_port, char **host_out,
                           uint16_t *port_out, tp_error *err)
{
    const char *host = operand;
    size_t host_len;
    const char *port_text = NULL;

    if (operand[0] == '[') {
        const char *close = strchr(operand, ']');
        if (close == NULL)
            return tp_fail(err, TP_E_USAGE, "missing ']' in '%s'", operand);
        host = operand + 1;
        host_len = (size_t)(close - host);
        if (close[1] == ':')
            port_text = close + 2;
        else if (close[1] != '\0')
            return tp_fail(err, TP_E_USAGE, "unexpected text after ']' in '%s'", operand);
    } else {
        const char *first = strchr(operand, ':');
        const char *last = strrchr(operand, ':');
        if (first != NULL && first == last) {
            host_len = (size_t)(first - operand);
            port_text = first + 1;
        } else {
            host_len = strlen(operand); /* no colon, or a bare IPv6 literal */
        }
    }
    TP_TRY(check_host(host, host_len, operand, err));
    uint16_t port = default_port;
    if (port_text != NULL)
        TP_TRY(parse_port(port_text, &port, err));
    char *copy = strndup(host, host_len);
    if (copy == NULL)
        return tp_fail(err, TP_E_NOMEM, "out of memory");
    *host_out = copy;
    *port_out = port;
    return TP_OK;
}
