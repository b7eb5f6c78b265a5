/* sdk.c - `regie plugin new NAME [DIR]`: writes a plugin skeleton (source,
 * a test against the mock host, a Makefile on pkg-config, a README) from
 * the templates shipped with regie.  It never writes into a folder that is
 * already there, and leaves nothing behind when it cannot finish. */
#define _GNU_SOURCE
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif
#include "sdk.h"
#include "conf.h"
#include "exec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0"
#endif

/* template in sdkdir, and the file it becomes (%s: the plugin's name) */
static const struct {
    const char *tmpl, *file;
} files[] = {
    { "plugin.c.tmpl", "%s.c" },
    { "plugin_test.c.tmpl", "%s_test.c" },
    { "Makefile.tmpl", "Makefile" },
    { "README.tmpl", "README.md" },
};
#define NFILES (sizeof files / sizeof files[0])
#define NAME_MAX_LEN 64

const char *rg_sdk_dir(void)
{
    const char *e = getenv("REGIE_SDK_DIR");
    if (e && *e) {
        return e;
    }
    return rg_running_uninstalled() ? REGIE_SRCDIR "/etc/sdk" : REGIE_SDKDIR;
}

static int valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n > NAME_MAX_LEN || name[0] < 'a' || name[0] > 'z') {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* text with every @NAME@, @CNAME@ (the name as a C identifier: '-' as '_')
 * and @REGIE_VERSION@ replaced.  Caller frees. */
static char *fill(const char *text, const char *name)
{
    char cname[NAME_MAX_LEN + 1];
    snprintf(cname, sizeof cname, "%s", name);
    for (char *p = cname; *p; p++) {
        *p = *p == '-' ? '_' : *p;
    }
    const struct {
        const char *key, *value;
    } subst[] = { { "@NAME@", name }, { "@CNAME@", cname }, { "@REGIE_VERSION@", PACKAGE_VERSION } };
    size_t cap = strlen(text) * 2 + 256, len = 0;
    char *out = rg_xmalloc(cap);
    for (const char *p = text; *p;) {
        const char *put = NULL;
        size_t skip = 1, n = 1;
        for (size_t k = 0; k < sizeof subst / sizeof subst[0]; k++) {
            size_t kl = strlen(subst[k].key);
            if (strncmp(p, subst[k].key, kl) == 0) {
                put = subst[k].value;
                skip = kl;
                n = strlen(put);
                break;
            }
        }
        if (len + n + 1 > cap) {
            cap = (len + n + 1) * 2;
            out = rg_xrealloc(out, cap);
        }
        memcpy(out + len, put ? put : p, n);
        len += n;
        p += skip;
    }
    out[len] = 0;
    return out;
}

static int write_new(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        return -1;
    }
    size_t len = strlen(text), off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            errno = e;
            return -1;
        }
        off += (size_t)w;
    }
    return close(fd);
}

int rg_plugin_new(const char *sdkdir, const char *name, const char *dir)
{
    if (!valid_name(name)) {
        fprintf(stderr,
                "regie: plugin new: found \"%s\", expected a plugin name: a lowercase letter, "
                "then lowercase letters, digits, '_' or '-' (at most %d)\n",
                name, NAME_MAX_LEN);
        return RG_EXIT_USAGE;
    }
    if (!dir || !*dir) {
        dir = name;
    }
    struct stat sb;
    if (lstat(dir, &sb) == 0) {
        fprintf(stderr,
                "regie: plugin new: %s is already there: nothing written (it never writes into "
                "a folder that exists; give another DIR)\n",
                dir);
        return RG_EXIT_INVALID;
    }
    /* every template first: a missing one writes nothing */
    char *text[NFILES] = { 0 };
    int rc = RG_EXIT_OK;
    for (size_t i = 0; i < NFILES; i++) {
        char *path = rg_xasprintf("%s/%s", sdkdir, files[i].tmpl);
        size_t len;
        char *t = rg_read_file(path, &len);
        if (!t) {
            fprintf(stderr, "regie: plugin new: cannot read the template %s: %s\n", path,
                    strerror(errno));
            rc = RG_EXIT_INVALID;
        } else {
            text[i] = fill(t, name);
            free(t);
        }
        free(path);
    }
    if (rc != RG_EXIT_OK) {
        goto out;
    }
    if (mkdir(dir, 0777) != 0) {
        fprintf(stderr, "regie: plugin new: cannot make the folder %s: %s\n", dir, strerror(errno));
        rc = RG_EXIT_INVALID;
        goto out;
    }
    size_t done = 0;
    for (; done < NFILES; done++) {
        char *file = rg_xasprintf(files[done].file, name);
        char *path = rg_xasprintf("%s/%s", dir, file);
        int w = write_new(path, text[done]);
        if (w != 0) {
            fprintf(stderr, "regie: plugin new: cannot write %s: %s\n", path, strerror(errno));
            unlink(path);
        }
        free(path);
        free(file);
        if (w != 0) {
            break;
        }
    }
    if (done < NFILES) {
        /* what was written is taken back: no half skeleton */
        for (size_t i = 0; i < done; i++) {
            char *file = rg_xasprintf(files[i].file, name);
            char *path = rg_xasprintf("%s/%s", dir, file);
            unlink(path);
            free(path);
            free(file);
        }
        rmdir(dir);
        rc = RG_EXIT_INVALID;
        goto out;
    }
    printf("plugin %s written to %s: %s.c, %s_test.c, Makefile, README.md\n"
           "build it: cd %s && make && make check && make install\n",
           name, dir, name, name, dir);
out:
    for (size_t i = 0; i < NFILES; i++) {
        free(text[i]);
    }
    return rc;
}
