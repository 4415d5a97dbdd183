/* Fuzz target: SSL 2.0 SERVER-HELLO and ERROR (src/wire/ssl2.c), and the
 * alert parser (src/wire/alert.c). Input: one message. */
#include "fuzz.h"

#include "wire/alert.h"
#include "wire/clienthello.h"
#include "wire/ssl2.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_error err = {0};
    tp_ssl2_server_hello sh;
    tp_alert alert;
    uint16_t code;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    if (tp_ssl2_sh_parse(data, size, &sh, &err) == TP_OK && sh.n_kinds > 0)
        (void)tp_ssl2_kind_at(sh.kinds, sh.n_kinds - 1);
    tp_error_clear(&err);
    if (tp_ssl2_error_parse(data, size, &code, &err) == TP_OK)
        (void)tp_ssl2_error_name(code);
    tp_error_clear(&err);
    if (tp_alert_parse(data, size, &alert, &err) == TP_OK)
        (void)tp_alert_name(alert.description);
    return 0;
}
