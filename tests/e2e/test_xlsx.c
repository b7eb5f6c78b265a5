#include <check.h>
Suite *suite_xlsx(void);
Suite *suite_xlsx(void)
{
    return suite_create("xlsx");
}
