/* One Check runner for every suite: unit suites and end-to-end suites that
 * run the real `regie` binary.  A suite whose file is not linked in is
 * skipped (weak symbols), so areas can be added one at a time. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SUITES(X)                                                                                  \
    X(util) X(value) X(decimal) X(exact) X(calendar) X(csv) X(ini) X(lua) X(safety) X(limits)    \
        X(plugin) X(workflow) X(exec) X(store) X(cli) X(resume) X(waits) X(tender) X(stakeholder)  \
            X(render) X(isolate) X(fuzz) X(arch) X(verify) X(record) X(foureyes) X(anchor) X(sla)  \
                X(regional) X(incontent) X(previous) X(schedule) \
                X(event) \
                X(nlcsv) X(nlcsv_unit) \
                X(cli2) \
                X(pv) \
                X(pdf) \
                X(abi2) \
                X(abi2_e2e) \
                X(workbook) \
                X(sheet) \
                X(mail) \
                X(xlsx) \
                X(sdk) \
                X(isolate2) \
                X(web)

#define DECLARE(name) Suite *suite_##name(void) __attribute__((weak));
SUITES(DECLARE)

int main(int argc, char **argv)
{
    SRunner *sr = srunner_create(NULL);
    const char *only = argc > 1 ? argv[1] : getenv("REGIE_SUITE");
#define ADD(name)                                                                                  \
    if (suite_##name && (!only || !*only || strcmp(only, #name) == 0))                             \
        srunner_add_suite(sr, suite_##name());
    SUITES(ADD)
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
