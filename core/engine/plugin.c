/* plugin.c - loading C step plugins.  A plugin must export exactly the
 * descriptor symbol; the loader checks magic, ABI version, descriptor size
 * and name before using anything else in it, and refuses with the path and
 * the reason. */
#define _GNU_SOURCE
#include "plugin.h"
#include "calendar.h"
#include "decimal.h"

#include <dirent.h>
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int valid_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' || *s == '-')) {
            return 0;
        }
    }
    return 1;
}

rg_plugin *rg_plugin_find(rg_plugins *ps, const char *name)
{
    for (size_t i = 0; i < ps->n; i++) {
        if (strcmp(ps->v[i].desc->name, name) == 0) {
            return &ps->v[i];
        }
    }
    return NULL;
}

/* ---- the ELF file read before it is loaded ----
 * dlopen runs a shared object's constructors: a file on the plugin path
 * is loaded only once its dynamic symbol table is seen to export the
 * entry symbol.  Every offset and size read from the file is checked
 * against its size before it is used. */
typedef struct elf_file {
    const unsigned char *p;
    size_t size;
    int is64, msb;
} elf_file;

/* An unsigned field of n bytes at off (in bounds: checked by the caller). */
static uint64_t elf_get(const elf_file *e, size_t off, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = e->msb ? i : n - 1 - i;
        v = (v << 8) | e->p[off + k];
    }
    return v;
}

/* Whether [off, off + len) lies in the file. */
static int elf_in(const elf_file *e, uint64_t off, uint64_t len)
{
    return off <= e->size && len <= e->size - off;
}

/* A field of a structure of either class: its offset and size in each. */
#define ELF_FIELD(e, base, T, f)                                                                   \
    ((e)->is64 ? elf_get((e), (base) + offsetof(Elf64_##T, f), sizeof(((Elf64_##T *)0)->f))      \
               : elf_get((e), (base) + offsetof(Elf32_##T, f), sizeof(((Elf32_##T *)0)->f)))

/* Whether the symbols [off, off + size) (entries of entsize bytes) with
 * names in [stroff, stroff + strsize) export REGIE_PLUGIN_SYMBOL: defined,
 * global or weak, of default visibility.  The ranges are in the file. */
static int elf_scan_symbols(const elf_file *f, uint64_t off, uint64_t size, uint64_t entsize,
                            uint64_t stroff, uint64_t strsize)
{
    static const char want[] = REGIE_PLUGIN_SYMBOL;
    for (uint64_t k = 0; k < size / entsize; k++) {
        size_t sym = (size_t)(off + k * entsize);
        uint64_t name = ELF_FIELD(f, sym, Sym, st_name);
        if (name >= strsize || strsize - name < sizeof want ||
            memcmp(f->p + stroff + name, want, sizeof want) != 0) {
            continue;
        }
        unsigned info = (unsigned)ELF_FIELD(f, sym, Sym, st_info);
        unsigned other = (unsigned)ELF_FIELD(f, sym, Sym, st_other);
        unsigned bind = info >> 4;
        if (ELF_FIELD(f, sym, Sym, st_shndx) != SHN_UNDEF && (bind == STB_GLOBAL || bind == STB_WEAK) &&
            (other & 3) == STV_DEFAULT) {
            return 1;
        }
    }
    return 0;
}

/* The file offset of the address va in a loaded segment of f (with at
 * least `len` bytes there), or (uint64_t)-1. */
static uint64_t elf_va_offset(const elf_file *f, uint64_t phoff, uint64_t phentsize, uint64_t phnum,
                              uint64_t va, uint64_t len)
{
    for (uint64_t i = 0; i < phnum; i++) {
        size_t ph = (size_t)(phoff + i * phentsize);
        if (ELF_FIELD(f, ph, Phdr, p_type) != PT_LOAD) {
            continue;
        }
        uint64_t vaddr = ELF_FIELD(f, ph, Phdr, p_vaddr), filesz = ELF_FIELD(f, ph, Phdr, p_filesz);
        uint64_t off = ELF_FIELD(f, ph, Phdr, p_offset);
        if (va >= vaddr && va - vaddr < filesz && len <= filesz - (va - vaddr) && elf_in(f, off, filesz)) {
            return off + (va - vaddr);
        }
    }
    return (uint64_t)-1;
}

/* Without section headers: the symbols the dynamic segment names (the
 * loader's own view), counted by DT_HASH or DT_GNU_HASH.  NULL when the
 * entry symbol is exported, else why not. */
static const char *elf_dynamic_exports(const elf_file *f)
{
    size_t phsize = f->is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr);
    size_t dynsize = f->is64 ? sizeof(Elf64_Dyn) : sizeof(Elf32_Dyn);
    size_t word = f->is64 ? 8 : 4;
    uint64_t phoff = ELF_FIELD(f, 0, Ehdr, e_phoff);
    uint64_t phentsize = ELF_FIELD(f, 0, Ehdr, e_phentsize);
    uint64_t phnum = ELF_FIELD(f, 0, Ehdr, e_phnum);
    if (phoff == 0 || phnum == 0 || phentsize < phsize || !elf_in(f, phoff, 0) ||
        phnum > (f->size - phoff) / phentsize) {
        return "no section or program headers to find its symbols in";
    }
    uint64_t symtab = 0, strtab = 0, strsz = 0, syment = 0, hash = 0, gnuhash = 0;
    int dyn_seen = 0;
    for (uint64_t i = 0; i < phnum; i++) {
        size_t ph = (size_t)(phoff + i * phentsize);
        if (ELF_FIELD(f, ph, Phdr, p_type) != PT_DYNAMIC) {
            continue;
        }
        uint64_t off = ELF_FIELD(f, ph, Phdr, p_offset), filesz = ELF_FIELD(f, ph, Phdr, p_filesz);
        if (!elf_in(f, off, filesz)) {
            return "truncated or damaged dynamic segment";
        }
        dyn_seen = 1;
        for (uint64_t k = 0; k < filesz / dynsize; k++) {
            size_t d = (size_t)(off + k * dynsize);
            uint64_t tag = f->is64 ? elf_get(f, d, 8) : elf_get(f, d, 4);
            uint64_t val = f->is64 ? elf_get(f, d + 8, 8) : elf_get(f, d + 4, 4);
            if (tag == DT_NULL) {
                break;
            }
            switch (tag) {
            case DT_SYMTAB: symtab = val; break;
            case DT_STRTAB: strtab = val; break;
            case DT_STRSZ: strsz = val; break;
            case DT_SYMENT: syment = val; break;
            case DT_HASH: hash = val; break;
            case DT_GNU_HASH: gnuhash = val; break;
            default: break;
            }
        }
    }
    size_t symsize = f->is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (!dyn_seen || !symtab || !strtab) {
        return "no dynamic symbol table: not a shared object regie can load";
    }
    if (syment < symsize) {
        syment = symsize;
    }
    uint64_t stroff = elf_va_offset(f, phoff, phentsize, phnum, strtab, strsz);
    if (stroff == (uint64_t)-1) {
        return "truncated or damaged dynamic string table";
    }
    /* the number of symbols: nchain of DT_HASH, or past the last chain of DT_GNU_HASH */
    uint64_t nsyms = 0;
    if (hash) {
        uint64_t h = elf_va_offset(f, phoff, phentsize, phnum, hash, 8);
        if (h == (uint64_t)-1) {
            return "truncated or damaged symbol hash table";
        }
        nsyms = elf_get(f, (size_t)h + 4, 4);
    } else if (gnuhash) {
        uint64_t h = elf_va_offset(f, phoff, phentsize, phnum, gnuhash, 16);
        if (h == (uint64_t)-1) {
            return "truncated or damaged symbol hash table";
        }
        uint64_t nbuckets = elf_get(f, (size_t)h, 4), symoffset = elf_get(f, (size_t)h + 4, 4);
        uint64_t bloom = elf_get(f, (size_t)h + 8, 4);
        uint64_t buckets = h + 16 + bloom * word;
        if (bloom > f->size / word || !elf_in(f, buckets, nbuckets * 4)) {
            return "truncated or damaged symbol hash table";
        }
        uint64_t last = 0;
        for (uint64_t b = 0; b < nbuckets; b++) {
            uint64_t v = elf_get(f, (size_t)(buckets + 4 * b), 4);
            last = v > last ? v : last;
        }
        if (last >= symoffset) {
            uint64_t chains = buckets + nbuckets * 4;
            for (;;) {
                uint64_t at = chains + (last - symoffset) * 4;
                if (!elf_in(f, at, 4)) {
                    return "truncated or damaged symbol hash table";
                }
                if (elf_get(f, (size_t)at, 4) & 1) {
                    break;
                }
                last++;
            }
            nsyms = last + 1;
        }
    } else {
        return "no symbol hash table to count its symbols";
    }
    if (nsyms > f->size / syment) {
        return "truncated or damaged dynamic symbol table";
    }
    uint64_t symoff = elf_va_offset(f, phoff, phentsize, phnum, symtab, nsyms * syment);
    if (symoff == (uint64_t)-1) {
        return "truncated or damaged dynamic symbol table";
    }
    return elf_scan_symbols(f, symoff, nsyms * syment, syment, stroff, strsz)
               ? NULL
               : "not a regie plugin (no " REGIE_PLUGIN_SYMBOL " symbol)";
}

/* NULL when the symbol table of the ELF file e exports REGIE_PLUGIN_SYMBOL
 * (defined, global or weak, default visibility), else why not. */
static const char *elf_exports_entry(const elf_file *e)
{
    const unsigned char *id = e->p;
    if (e->size < EI_NIDENT || memcmp(id, ELFMAG, SELFMAG) != 0) {
        return "not an ELF file";
    }
    if (id[EI_CLASS] != ELFCLASS32 && id[EI_CLASS] != ELFCLASS64) {
        return "ELF file of an unknown class";
    }
    if (id[EI_DATA] != ELFDATA2LSB && id[EI_DATA] != ELFDATA2MSB) {
        return "ELF file of an unknown byte order";
    }
    elf_file f = *e;
    f.is64 = id[EI_CLASS] == ELFCLASS64;
    f.msb = id[EI_DATA] == ELFDATA2MSB;
    size_t ehsize = f.is64 ? sizeof(Elf64_Ehdr) : sizeof(Elf32_Ehdr);
    size_t shsize = f.is64 ? sizeof(Elf64_Shdr) : sizeof(Elf32_Shdr);
    size_t symsize = f.is64 ? sizeof(Elf64_Sym) : sizeof(Elf32_Sym);
    if (f.size < ehsize) {
        return "truncated ELF header";
    }
    if (ELF_FIELD(&f, 0, Ehdr, e_type) != ET_DYN) {
        return "not an ELF shared object";
    }
    uint64_t shoff = ELF_FIELD(&f, 0, Ehdr, e_shoff);
    uint64_t shentsize = ELF_FIELD(&f, 0, Ehdr, e_shentsize);
    uint64_t shnum = ELF_FIELD(&f, 0, Ehdr, e_shnum);
    if (shoff == 0) {
        return elf_dynamic_exports(&f); /* (section headers stripped) */
    }
    if (shentsize < shsize || !elf_in(&f, shoff, shsize)) {
        return "truncated or damaged section headers";
    }
    if (shnum == 0) { /* (more than 0xff00 sections: the count is in the first) */
        shnum = ELF_FIELD(&f, shoff, Shdr, sh_size);
    }
    if (shnum > (f.size - shoff) / shentsize) {
        return "truncated or damaged section headers";
    }
    int seen = 0;
    for (uint64_t i = 0; i < shnum; i++) {
        size_t sh = (size_t)(shoff + i * shentsize);
        if (ELF_FIELD(&f, sh, Shdr, sh_type) != SHT_DYNSYM) {
            continue;
        }
        seen = 1;
        uint64_t off = ELF_FIELD(&f, sh, Shdr, sh_offset);
        uint64_t size = ELF_FIELD(&f, sh, Shdr, sh_size);
        uint64_t entsize = ELF_FIELD(&f, sh, Shdr, sh_entsize);
        uint64_t link = ELF_FIELD(&f, sh, Shdr, sh_link);
        if (entsize < symsize || !elf_in(&f, off, size) || link >= shnum) {
            return "truncated or damaged dynamic symbol table";
        }
        size_t strsh = (size_t)(shoff + link * shentsize);
        uint64_t stroff = ELF_FIELD(&f, strsh, Shdr, sh_offset);
        uint64_t strsize = ELF_FIELD(&f, strsh, Shdr, sh_size);
        if (ELF_FIELD(&f, strsh, Shdr, sh_type) != SHT_STRTAB || !elf_in(&f, stroff, strsize)) {
            return "truncated or damaged dynamic string table";
        }
        if (elf_scan_symbols(&f, off, size, entsize, stroff, strsize)) {
            return NULL;
        }
    }
    return seen ? "not a regie plugin (no " REGIE_PLUGIN_SYMBOL " symbol)"
                : "no dynamic symbol table: not a shared object regie can load";
}

/* NULL when the file at path is an ELF shared object exporting the entry
 * symbol, else why not (in buf, or a constant). */
const char *rg_plugin_check_elf(const char *path, char *buf, size_t bufsize)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        snprintf(buf, bufsize, "cannot read: %s", strerror(errno));
        if (fd >= 0) {
            close(fd);
        }
        return buf;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return "not a regular file";
    }
    if (st.st_size == 0) {
        close(fd);
        return "not an ELF file (empty)";
    }
    if ((uint64_t)st.st_size > (uint64_t)SIZE_MAX) {
        close(fd);
        return "too large";
    }
    /* read, not mapped: a file cut short meanwhile must not end the process */
    size_t size = (size_t)st.st_size, got = 0;
    unsigned char *data = rg_xmalloc(size);
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        got += (size_t)n;
    }
    close(fd);
    elf_file f = { data, got, 0, 0 };
    const char *why = elf_exports_entry(&f);
    free(data);
    return why;
}

int rg_plugin_load(rg_plugins *ps, const char *path, rg_errors *errs)
{
    char ebuf[160];
    const char *not_elf = rg_plugin_check_elf(path, ebuf, sizeof ebuf);
    if (not_elf) {
        /* not loaded: its constructors do not run */
        rg_err_add(errs, path, 0, "refused: %s", not_elf);
        return -1;
    }
    dlerror();
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        const char *e = dlerror();
        rg_err_add(errs, path, 0, "cannot load plugin: %s", e ? e : "unknown error");
        return -1;
    }
    const regie_plugin *d = dlsym(h, REGIE_PLUGIN_SYMBOL);
    const char *why = NULL;
    char buf[160];
    if (!d) {
        why = "not a regie plugin (no " REGIE_PLUGIN_SYMBOL " symbol)";
    } else if (d->magic != REGIE_PLUGIN_MAGIC) {
        why = "not a regie plugin (bad magic number)";
    } else if (d->abi_version != REGIE_ABI_VERSION) {
        snprintf(buf, sizeof buf, "plugin ABI version %u, this regie speaks version %u: rebuild it",
                 d->abi_version, REGIE_ABI_VERSION);
        why = buf;
    } else if (d->size < sizeof(regie_plugin)) {
        why = "plugin descriptor too small for this ABI version";
    } else if (!valid_name(d->name)) {
        why = "plugin name missing or not of [a-z0-9_-]";
    } else if (!d->run && !(d->abi_version >= 2 && (d->types || d->readers || d->lua))) {
        /* (an ABI 2 plugin may offer readers or Lua functions alone) */
        why = "plugin has no run callback";
    } else {
        rg_plugin *dup = rg_plugin_find(ps, d->name);
        if (dup) {
            snprintf(buf, sizeof buf, "duplicate plugin name \"%s\" (already loaded from %s)",
                     d->name, dup->path);
            why = buf;
        }
    }
    if (why) {
        rg_err_add(errs, path, 0, "refused: %s", why);
        dlclose(h);
        return -1;
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->v = rg_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    rg_plugin *p = &ps->v[ps->n++];
    memset(p, 0, sizeof *p);
    p->path = rg_xstrdup(path);
    p->handle = h;
    p->desc = d;
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int rg_plugins_scan(rg_plugins *ps, const char *dirs, rg_errors *errs)
{
    char **v;
    size_t n = rg_split(dirs ? dirs : "", ':', &v);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        DIR *d = opendir(v[i]);
        if (!d) {
            continue; /* a missing directory on the path is not an error */
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            size_t len = strlen(e->d_name);
            if (len > 3 && strcmp(e->d_name + len - 3, ".so") == 0) {
                names = rg_xrealloc(names, (nn + 1) * sizeof *names);
                names[nn++] = rg_xasprintf("%s/%s", v[i], e->d_name);
            }
        }
        closedir(d);
        qsort(names, nn, sizeof *names, cmp_str);
        for (size_t k = 0; k < nn; k++) {
            int known = 0;
            for (size_t j = 0; j < ps->n; j++) {
                known |= strcmp(ps->v[j].path, names[k]) == 0;
            }
            if (known) {
                continue; /* the same directory named twice on the path */
            }
            size_t before = errs->n;
            if (rg_plugin_load(ps, names[k], errs) != 0) {
                for (size_t j = before; j < errs->n; j++) {
                    rg_err_add(&ps->refused, NULL, 0, "%s", errs->msg[j]);
                }
                rc = -1;
            }
        }
        rg_strv_free(names, nn);
    }
    rg_strv_free(v, n);
    return rc;
}

int rg_plugin_init(rg_plugin *p, const regie_host *host, rg_errors *errs)
{
    if (p->initialised) {
        return 0;
    }
    if (p->desc->init) {
        void *state = NULL;
        int rc = p->desc->init(host, &state);
        if (rc != 0) {
            rg_err_add(errs, p->path, 0, "plugin %s: init failed (status %d)", p->desc->name, rc);
            return -1;
        }
        p->state = state;
    }
    p->initialised = 1;
    return 0;
}

void rg_plugins_free(rg_plugins *ps)
{
    for (size_t i = 0; i < ps->n; i++) {
        rg_plugin *p = &ps->v[i];
        if (p->initialised && p->desc->fini) {
            p->desc->fini(p->state);
        }
        /* Under sanitizers a closed module loses its symbols for reports;
         * the process ends soon after anyway. */
        if (p->handle && !getenv("REGIE_KEEP_PLUGINS")) {
            dlclose(p->handle);
        }
        free(p->path);
    }
    free(ps->v);
    rg_err_free(&ps->refused);
    memset(ps, 0, sizeof *ps);
}

const char *rg_param_type_name(regie_param_type t)
{
    switch (t) {
    case REGIE_PARAM_STRING:
        return "string";
    case REGIE_PARAM_INT:
        return "integer";
    case REGIE_PARAM_NUM:
        return "number";
    case REGIE_PARAM_BOOL:
        return "boolean";
    case REGIE_PARAM_DATE:
        return "date";
    case REGIE_PARAM_LIST:
        return "list";
    }
    return "?";
}

int rg_param_check(regie_param_type t, const char *value, const char **expected)
{
    int64_t i;
    double d;
    int b;
    int32_t day;
    switch (t) {
    case REGIE_PARAM_INT:
        *expected = "an integer";
        return rg_parse_int(value, &i);
    case REGIE_PARAM_NUM:
        *expected = "a number";
        return rg_parse_decimal(value, '.', &d);
    case REGIE_PARAM_BOOL:
        *expected = "yes or no";
        return rg_parse_bool(value, &b);
    case REGIE_PARAM_DATE:
        *expected = "a date YYYY-MM-DD";
        return rg_date_parse(value, &day);
    case REGIE_PARAM_STRING:
    case REGIE_PARAM_LIST:
        return 0;
    }
    *expected = "a known parameter type";
    return -1;
}

void rg_plugin_print_doc(const rg_plugin *p, FILE *f)
{
    const regie_plugin *d = p->desc;
    fprintf(f, "%s %s - %s\n", d->name, d->version ? d->version : "", d->summary ? d->summary : "");
    fprintf(f, "  file: %s\n  ABI version: %u\n", p->path, d->abi_version);
    if (!d->params || !d->params[0].key) {
        fprintf(f, "  parameters: none\n");
        return;
    }
    fprintf(f, "  parameters:\n");
    for (const regie_param *q = d->params; q->key; q++) {
        fprintf(f, "    %-20s %-8s %s", q->key, rg_param_type_name(q->type),
                q->required ? "required" : "optional");
        if (q->def) {
            fprintf(f, ", default %s", q->def);
        }
        fprintf(f, "\n        %s\n", q->description ? q->description : "");
    }
}
