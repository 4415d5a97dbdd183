/* Link presets and --link specs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "timing/link.h"
#include "wire/registry.h"

#include "util/banned.h"

static void every_preset_loads(void **state)
{
    (void)state;
    assert_true(tp_links_count >= 10);
    for (size_t i = 0; i < tp_links_count; i++) {
        struct tp_link link;
        tp_error err = {0};
        assert_int_equal(tp_link_from_preset(&link, tp_links[i].preset, &err), TP_OK);
        assert_string_equal(link.name, tp_links[i].preset);
        assert_true(link.dl_bps >= 1000.0 && link.ul_bps >= 1000.0);
        assert_true(link.rtt_ms > 0);
        assert_true(link.mtu > 0 || link.frame_payload > 0);
        assert_true(link.loss >= 0.0 && link.loss < 0.5);
    }
}

static void nb_iot_values(void **state)
{
    (void)state;
    struct tp_link link;
    assert_int_equal(tp_link_from_arg(&link, "NB-IoT", NULL), TP_OK);
    assert_true(link.dl_bps == 20000.0 && link.ul_bps == 20000.0);
    assert_int_equal(link.rtt_ms, 1600);
    assert_int_equal(link.setup_ms, 2000);
    assert_int_equal(link.mtu, 1430);
    assert_true(link.loss > 0.0099 && link.loss < 0.0101);
    assert_true(link.half_duplex);
    assert_true(link.tls_practical);

    assert_int_equal(tp_link_from_preset(&link, "lorawan", NULL), TP_OK);
    assert_false(link.tls_practical);
    assert_int_equal(link.mtu, 0);
    assert_int_equal(link.frame_payload, 115);
    assert_true(link.duty_cycle > 0.0099 && link.duty_cycle < 0.0101);
}

static void unknown_preset_lists_presets(void **state)
{
    (void)state;
    struct tp_link link;
    tp_error err = {0};
    assert_int_equal(tp_link_from_arg(&link, "carrier-pigeon", &err), TP_E_USAGE);
    assert_non_null(strstr(err.msg, "carrier-pigeon"));
    assert_non_null(strstr(err.msg, "nb-iot"));
    assert_non_null(strstr(err.msg, "6lowpan"));
}

static void spec_full(void **state)
{
    (void)state;
    struct tp_link link;
    tp_error err = {0};
    assert_int_equal(tp_link_from_arg(&link, "bw=20k,rtt=1600ms,mtu=1430,loss=1%,setup=2s", &err),
                     TP_OK);
    assert_string_equal(link.name, "custom");
    assert_true(link.dl_bps == 20000.0 && link.ul_bps == 20000.0);
    assert_int_equal(link.rtt_ms, 1600);
    assert_int_equal(link.setup_ms, 2000);
    assert_int_equal(link.mtu, 1430);
    assert_true(link.loss > 0.0099 && link.loss < 0.0101);
    assert_false(link.half_duplex);
    assert_true(link.tls_practical);
    assert_int_equal(link.frame_payload, 0);
}

static void spec_asymmetric_and_units(void **state)
{
    (void)state;
    struct tp_link link;
    tp_error err = {0};
    assert_int_equal(tp_link_parse_spec(&link, "dl=2M,ul=256k,rtt=0.6s,duplex=half,frame=102,"
                                               "duty=1%",
                                        &err),
                     TP_OK);
    assert_true(link.dl_bps == 2e6 && link.ul_bps == 256000.0);
    assert_int_equal(link.rtt_ms, 600);
    assert_int_equal(link.mtu, 1500); /* default */
    assert_int_equal(link.setup_ms, 0);
    assert_true(link.half_duplex);
    assert_int_equal(link.frame_payload, 102);
    assert_true(link.duty_cycle > 0.0099 && link.duty_cycle < 0.0101);
    assert_int_equal(tp_link_parse_spec(&link, "bw=1.5G,rtt=1ms", &err), TP_OK);
    assert_true(link.dl_bps == 1.5e9);
    assert_int_equal(tp_link_parse_spec(&link, "bw=9600,rtt=250ms", &err), TP_OK);
    assert_true(link.ul_bps == 9600.0);
    assert_int_equal(link.lost_flights, 0u);
    assert_int_equal(tp_link_parse_spec(&link, "bw=20k,rtt=1600ms,lose=4", &err), TP_OK);
    assert_int_equal(link.lost_flights, 1u << 3);
    assert_int_equal(tp_link_parse_spec(&link, "bw=20k,rtt=1600ms,lose=1+5+32", &err), TP_OK);
    assert_int_equal(link.lost_flights, 1u | 1u << 4 | 1u << 31);
}

struct bad {
    const char *spec, *expect;
};

static void spec_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"bw=20k,rtt=1600ms,speed=3", "unknown link key 'speed'; valid keys: bw, dl, ul"},
        {"bw=20k,rtt=1600", "link rtt: '1600' needs a unit"},
        {"bw=20k,rtt=1600h", "link rtt: '1600h' needs a unit"},
        {"bw=20x,rtt=1s", "link bw: unit 'x'"},
        {"bw=inf,rtt=1s", "link bw: 'inf' is not a number"},
        {"bw=0x10,rtt=1s", "link bw: unit 'x10'"},
        {"bw=-5k,rtt=1s", "link bw: '-5k' is not a number"},
        {"bw=50,rtt=1s", "link bw: 50 is outside"},
        {"bw=20k,rtt=0ms", "link rtt: 0ms is outside"},
        {"bw=20k,rtt=11min", "link rtt"},
        {"bw=20k,rtt=601s", "link rtt: 601s is outside"},
        {"bw=20k,rtt=1s,mtu=100", "link mtu: 100 is outside"},
        {"bw=20k,rtt=1s,mtu=1400.5", "link mtu: '1400.5' is not a whole number"},
        {"bw=20k,rtt=1s,loss=1", "link loss: '1' is not a percentage"},
        {"bw=20k,rtt=1s,loss=60%", "link loss: 60% is outside"},
        {"bw=20k,rtt=1s,duty=0%", "link duty: 0% is outside"},
        {"bw=20k,rtt=1s,duplex=simplex", "link duplex: 'simplex'"},
        {"bw=20k,rtt=1s,rtt=2s", "link rtt: given twice"},
        {"bw=20k,dl=10k,rtt=1s", "link bw: conflicts with dl"},
        {"dl=10k,rtt=1s", "needs bw=, or both dl= and ul="},
        {"bw=10k", "needs rtt="},
        {"bw=10k,,rtt=1s", "empty item"},
        {"bw=10k,rtt=1s,", "empty item"},
        {"bw=10k,rtt", "'rtt' is not key=value"},
        {"bw=,rtt=1s", "link bw: '' is not a number"},
        {"bw=1.k,rtt=1s", "link bw: '1.k' is not a number"},
        {"bw=1234567890123k,rtt=1s", "is not a number"},
        {"bw=20k,rtt=1s,lose=0", "link lose: '0' is not flight numbers 1..32"},
        {"bw=20k,rtt=1s,lose=33", "link lose: '33'"},
        {"bw=20k,rtt=1s,lose=4+", "link lose: '4+'"},
        {"bw=20k,rtt=1s,lose=+4", "link lose: '+4'"},
        {"bw=20k,rtt=1s,lose=4,5", "'5' is not key=value"},
        {"bw=20k,rtt=1s,lose=1000", "link lose: '1000'"},
        {"bw=20k,rtt=1s,lose=x", "link lose: 'x'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct tp_link link;
        tp_error err = {0};
        tp_status st = tp_link_from_arg(&link, cases[i].spec, &err);
        if (st != TP_E_USAGE || strstr(err.msg, cases[i].expect) == NULL)
            fail_msg("spec '%s': status %d, message '%s', expected '%s'", cases[i].spec, st,
                     err.msg, cases[i].expect);
    }
}

static void spec_too_long(void **state)
{
    (void)state;
    char spec[400];
    memset(spec, 'a', sizeof spec - 1);
    spec[sizeof spec - 1] = '\0';
    spec[0] = 'b';
    spec[1] = '=';
    struct tp_link link;
    tp_error err = {0};
    assert_int_equal(tp_link_parse_spec(&link, spec, &err), TP_E_USAGE);
    assert_non_null(strstr(err.msg, "longer than"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_preset_loads),
        cmocka_unit_test(nb_iot_values),
        cmocka_unit_test(unknown_preset_lists_presets),
        cmocka_unit_test(spec_full),
        cmocka_unit_test(spec_asymmetric_and_units),
        cmocka_unit_test(spec_errors),
        cmocka_unit_test(spec_too_long),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
