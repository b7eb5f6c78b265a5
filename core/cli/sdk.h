#ifndef REGIE_SDK_H
#define REGIE_SDK_H
/* `regie plugin new NAME [DIR]`: a plugin skeleton for an author, from the
 * templates in sdkdir (the installed $(pkgdatadir)/sdk, or etc/sdk of the
 * source tree when regie runs uninstalled).  Returns an exit status: 0
 * written, 2 DIR exists or cannot be written, 64 a NAME that is not one. */
int rg_plugin_new(const char *sdkdir, const char *name, const char *dir);
/* The folder of the templates this regie uses. */
const char *rg_sdk_dir(void);
#endif
