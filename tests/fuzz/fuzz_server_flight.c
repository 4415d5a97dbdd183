/* Fuzz target: first-flight classification (src/wire/flight.c), which
 * drives every server-side parser. Input: bytes as received. */
#include "fuzz.h"

#include "wire/flight.h"

#include "util/banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_flight f;
    if (size > TP_FUZZ_MAX_INPUT)
        return 0;
    tp_flight_init(&f);
    if (tp_flight_classify(&f, data, size) == TP_OK)
        (void)tp_flight_kind_name(f.kind);
    tp_flight_finish(&f);
    return 0;
}
