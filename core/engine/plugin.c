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
#include <pthread.h>
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

/* ---- the descriptor vetted ----
 * Everything a plugin hands in is read once here, with the sizes it was
 * built with, into the host's own entries: an entry smaller than this
 * host knows is read up to its size (the rest zero), a larger one is
 * fine.  Lists are bounded so that one without its {0} end is refused
 * rather than read past. */
#define MAX_ENTRIES 1024

/* [a-z0-9_]+ (the names of Lua functions) */
static int valid_lua_name(const char *s)
{
    if (!s || !*s || strlen(s) > 64) {
        return 0;
    }
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_')) {
            return 0;
        }
    }
    return 1;
}

size_t rg_param_bound_size(regie_param_type t)
{
    switch (t) {
    case REGIE_PARAM_STRING:
        return sizeof(const char *);
    case REGIE_PARAM_INT:
        return sizeof(int64_t);
    case REGIE_PARAM_NUM:
        return sizeof(double);
    case REGIE_PARAM_BOOL:
        return sizeof(int);
    case REGIE_PARAM_DATE:
        return sizeof(int32_t);
    case REGIE_PARAM_LIST:
        return sizeof(regie_strlist);
    }
    return 0;
}

static size_t bound_align(regie_param_type t)
{
    switch (t) {
    case REGIE_PARAM_STRING:
        return _Alignof(const char *);
    case REGIE_PARAM_INT:
        return _Alignof(int64_t);
    case REGIE_PARAM_NUM:
        return _Alignof(double);
    case REGIE_PARAM_BOOL:
        return _Alignof(int);
    case REGIE_PARAM_DATE:
        return _Alignof(int32_t);
    case REGIE_PARAM_LIST:
        return _Alignof(regie_strlist);
    }
    return 1;
}

/* The parameter table at src (entries of stride bytes, ending in an
 * entry whose key is NULL) copied into *out; `what` names the table in a
 * refusal.  With bind, `at` is read and checked against config_size;
 * else it is zero.  NULL, or why not (in buf). */
static const char *copy_params(const regie_param *src, size_t stride, int bind, size_t config_size,
                               const char *what, regie_param **out, size_t *nout, char *buf,
                               size_t bufsize)
{
    size_t n = 0;
    const unsigned char *base = (const unsigned char *)src;
    while (src) {
        if (n == MAX_ENTRIES) {
            snprintf(buf, bufsize, "%s: more than %d parameters (no {0} entry at its end?)", what,
                     MAX_ENTRIES);
            return buf;
        }
        const regie_param *e = (const regie_param *)(const void *)(base + n * stride);
        if (!e->key) {
            break;
        }
        n++;
    }
    regie_param *v = rg_xcalloc(n + 1, sizeof *v);
    *out = v;
    *nout = n;
    for (size_t i = 0; i < n; i++) {
        memcpy(&v[i], base + i * stride, stride < sizeof *v ? stride : sizeof *v);
        if (!bind) {
            v[i].at = 0;
        }
        const regie_param *q = &v[i];
        if (!valid_name(q->key)) {
            snprintf(buf, bufsize, "%s: parameter \"%.64s\": name not of [a-z0-9_-]", what, q->key);
            return buf;
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(v[j].key, q->key) == 0) {
                snprintf(buf, bufsize, "%s: parameter \"%s\" declared twice", what, q->key);
                return buf;
            }
        }
        if ((int)q->type < (int)REGIE_PARAM_STRING || (int)q->type > (int)REGIE_PARAM_LIST) {
            snprintf(buf, bufsize, "%s: parameter \"%s\": unknown type %d", what, q->key,
                     (int)q->type);
            return buf;
        }
        const char *expected = NULL;
        if (q->def && rg_param_check(q->type, q->def, &expected) != 0) {
            snprintf(buf, bufsize, "%s: parameter \"%s\": default \"%.64s\" is not %s", what,
                     q->key, q->def, expected);
            return buf;
        }
        if (q->at) {
            size_t off = q->at - 1, size = rg_param_bound_size(q->type);
            if (off > config_size || size > config_size - off) {
                snprintf(buf, bufsize,
                         "%s: parameter \"%s\" bound at offset %zu (%zu bytes), outside its "
                         "config struct of %zu bytes",
                         what, q->key, off, size, config_size);
                return buf;
            }
            if (off % bound_align(q->type) != 0) {
                snprintf(buf, bufsize,
                         "%s: parameter \"%s\" bound at offset %zu, not aligned for a %s member",
                         what, q->key, off, rg_param_type_name(q->type));
                return buf;
            }
        }
    }
    return NULL;
}

static void free_types(rg_steptype *t, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(t[i].params);
    }
    free(t);
}

/* Whether a step type `name` is among those of ps (the plain form's
 * named as its plugin): that plugin, or NULL. */
static const rg_plugin *type_owner(rg_plugins *ps, const char *name)
{
    rg_plugin *owner = NULL;
    return rg_plugin_find_type(ps, name, &owner) ? owner : NULL;
}

/* The step types, readers and Lua functions of d (of ABI version abi)
 * read into p.  NULL, or why d is refused (in buf). */
static const char *vet_descriptor(rg_plugins *ps, rg_plugin *p, const regie_plugin *d, uint32_t abi,
                                  char *buf, size_t bufsize)
{
    const char *why;
    if (abi == 1 || !d->types) {
        /* the plain form: one type named as the plugin */
        if (!d->run) {
            if (abi == 1 || (!d->readers && !d->lua)) {
                return abi == 1 ? "plugin has no run callback"
                                : "plugin offers nothing: no run, no step types, readers or Lua "
                                  "functions";
            }
        } else {
            p->types = rg_xcalloc(1, sizeof *p->types);
            rg_steptype *t = &p->types[0];
            t->name = d->name;
            t->summary = d->summary;
            t->plain = 1;
            p->ntypes = 1;
            /* ABI 1 entries end before `at` */
            size_t stride = abi == 1 ? offsetof(regie_param, at) : sizeof(regie_param);
            why = copy_params(d->params, stride, 0, 0, "parameters", &t->params, &t->nparams, buf,
                              bufsize);
            if (why) {
                return why;
            }
        }
    } else if (d->run || d->params) {
        return "plugin has both `types` and the plain form's run or params (one or the other)";
    } else {
        const unsigned char *base = (const unsigned char *)d->types;
        uint32_t stride = d->types[0].size;
        size_t min = offsetof(regie_step_type, run) + sizeof d->types[0].run;
        if (stride != 0 && stride < min) {
            snprintf(buf, bufsize, "step type entries of %u bytes, fewer than the %zu an entry needs",
                     stride, min);
            return buf;
        }
        size_t n = 0;
        while (stride != 0) {
            if (n == MAX_ENTRIES) {
                snprintf(buf, bufsize, "more than %d step types (no {0} entry at its end?)",
                         MAX_ENTRIES);
                return buf;
            }
            const regie_step_type *e = (const regie_step_type *)(const void *)(base + n * stride);
            if (e->size == 0) {
                break;
            }
            if (e->size != stride) {
                snprintf(buf, bufsize,
                         "step type %zu: size %u, the others %u (entries of one list are of one "
                         "size)",
                         n + 1, e->size, stride);
                return buf;
            }
            n++;
        }
        if (n == 0 && !d->readers && !d->lua) {
            return "plugin offers nothing: its list of step types is empty";
        }
        p->types = rg_xcalloc(n ? n : 1, sizeof *p->types);
        for (size_t i = 0; i < n; i++) {
            regie_step_type e;
            memset(&e, 0, sizeof e);
            memcpy(&e, base + i * stride, stride < sizeof e ? stride : sizeof e);
            rg_steptype *t = &p->types[i];
            p->ntypes = i + 1;
            t->name = e.name;
            t->summary = e.summary;
            t->open = e.open;
            t->run = e.run;
            t->close = e.close;
            t->config_size = e.config_size;
            if (!valid_name(e.name)) {
                snprintf(buf, bufsize, "step type %zu: name \"%.64s\" missing or not of [a-z0-9_-]",
                         i + 1, e.name ? e.name : "");
                return buf;
            }
            if (!e.run) {
                snprintf(buf, bufsize, "step type %s: no run callback", e.name);
                return buf;
            }
            for (size_t j = 0; j < i; j++) {
                if (strcmp(p->types[j].name, e.name) == 0) {
                    snprintf(buf, bufsize, "step type \"%s\" listed twice", e.name);
                    return buf;
                }
            }
            size_t pmin = offsetof(regie_param, at);
            if (e.params && e.param_size < pmin) {
                snprintf(buf, bufsize,
                         "step type %s: parameter entries of %u bytes, fewer than the %zu an "
                         "entry needs",
                         e.name, e.param_size, pmin);
                return buf;
            }
            char what[96];
            snprintf(what, sizeof what, "step type %s", e.name);
            why = copy_params(e.params, e.param_size, 1, e.config_size, what, &t->params,
                              &t->nparams, buf, bufsize);
            if (why) {
                return why;
            }
            int binds = 0;
            for (size_t k = 0; k < t->nparams; k++) {
                binds |= t->params[k].at != 0;
            }
            if (binds && !e.open) {
                snprintf(buf, bufsize,
                         "step type %s: binds parameters to its config struct but has no open "
                         "to receive it",
                         e.name);
                return buf;
            }
        }
    }
    for (size_t i = 0; i < p->ntypes; i++) {
        const rg_plugin *other = type_owner(ps, p->types[i].name);
        if (other) {
            snprintf(buf, bufsize, "step type \"%s\" is already offered by plugin %s (%s)",
                     p->types[i].name, other->desc->name, other->path);
            return buf;
        }
    }
    if (abi == 1) {
        return NULL;
    }
    if (d->readers) {
        const unsigned char *base = (const unsigned char *)d->readers;
        uint32_t stride = d->readers[0].size;
        size_t min = offsetof(regie_reader, read) + sizeof d->readers[0].read;
        if (stride != 0 && stride < min) {
            snprintf(buf, bufsize, "reader entries of %u bytes, fewer than the %zu an entry needs",
                     stride, min);
            return buf;
        }
        size_t n = 0;
        while (stride != 0) {
            if (n == MAX_ENTRIES) {
                snprintf(buf, bufsize, "more than %d readers (no {0} entry at its end?)",
                         MAX_ENTRIES);
                return buf;
            }
            const regie_reader *e = (const regie_reader *)(const void *)(base + n * stride);
            if (e->size == 0) {
                break;
            }
            if (e->size != stride) {
                snprintf(buf, bufsize,
                         "reader %zu: size %u, the others %u (entries of one list are of one size)",
                         n + 1, e->size, stride);
                return buf;
            }
            n++;
        }
        p->readers = rg_xcalloc(n ? n : 1, sizeof *p->readers);
        for (size_t i = 0; i < n; i++) {
            regie_reader *r = &p->readers[i];
            memcpy(r, base + i * stride, stride < sizeof *r ? stride : sizeof *r);
            r->size = sizeof *r;
            p->nreaders = i + 1;
            if (!valid_name(r->format)) {
                snprintf(buf, bufsize, "reader %zu: format \"%.64s\" missing or not of [a-z0-9_-]",
                         i + 1, r->format ? r->format : "");
                return buf;
            }
            if (!r->sniff || !r->read) {
                snprintf(buf, bufsize, "reader %s: no %s callback", r->format,
                         r->sniff ? "read" : "sniff");
                return buf;
            }
            for (size_t j = 0; j < i; j++) {
                if (strcmp(p->readers[j].format, r->format) == 0) {
                    snprintf(buf, bufsize, "reader of format \"%s\" listed twice", r->format);
                    return buf;
                }
            }
            for (size_t k = 0; k < ps->n; k++) {
                for (size_t j = 0; j < ps->v[k].nreaders; j++) {
                    if (strcmp(ps->v[k].readers[j].format, r->format) == 0) {
                        snprintf(buf, bufsize,
                                 "a reader of format \"%s\" is already offered by plugin %s (%s)",
                                 r->format, ps->v[k].desc->name, ps->v[k].path);
                        return buf;
                    }
                }
            }
        }
    }
    if (d->lua) {
        size_t n = 0;
        while (d->lua[n].name) {
            if (n == MAX_ENTRIES) {
                snprintf(buf, bufsize, "more than %d Lua functions (no {0} entry at its end?)",
                         MAX_ENTRIES);
                return buf;
            }
            const regie_lua_fn *f = &d->lua[n];
            if (!valid_lua_name(f->name)) {
                snprintf(buf, bufsize, "Lua function \"%.64s\": name not of [a-z0-9_]", f->name);
                return buf;
            }
            if (!f->fn) {
                snprintf(buf, bufsize, "Lua function %s: no fn callback", f->name);
                return buf;
            }
            for (size_t j = 0; j < n; j++) {
                if (strcmp(d->lua[j].name, f->name) == 0) {
                    snprintf(buf, bufsize, "Lua function \"%s\" listed twice", f->name);
                    return buf;
                }
            }
            n++;
        }
        p->lua = d->lua;
        p->nlua = n;
    }
    return NULL;
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
    if (!d) {
        rg_err_add(errs, path, 0, "refused: not a regie plugin (no " REGIE_PLUGIN_SYMBOL " symbol)");
        dlclose(h);
        return -1;
    }
    if (rg_plugin_add(ps, d, path, h, errs) != 0) {
        dlclose(h);
        return -1;
    }
    return 0;
}

int rg_plugin_add(rg_plugins *ps, const regie_plugin *d, const char *path, void *handle,
                  rg_errors *errs)
{
    const char *why = NULL;
    char buf[320];
    rg_plugin np;
    memset(&np, 0, sizeof np);
    /* the descriptor up to `fini` is the same in every version */
    size_t min_size = offsetof(regie_plugin, fini) + sizeof d->fini;
    if (d->magic != REGIE_PLUGIN_MAGIC) {
        why = "not a regie plugin (bad magic number)";
    } else if (d->abi_version < REGIE_ABI_MIN || d->abi_version > REGIE_ABI_VERSION) {
        snprintf(buf, sizeof buf,
                 "plugin ABI version %u, this regie speaks versions %u to %u: rebuild it",
                 d->abi_version, REGIE_ABI_MIN, REGIE_ABI_VERSION);
        why = buf;
    } else if (d->size < (d->abi_version == 1 ? min_size : sizeof(regie_plugin))) {
        why = "plugin descriptor too small for its ABI version";
    } else if (!valid_name(d->name)) {
        why = "plugin name missing or not of [a-z0-9_-]";
    } else {
        rg_plugin *dup = rg_plugin_find(ps, d->name);
        if (dup) {
            snprintf(buf, sizeof buf, "duplicate plugin name \"%s\" (already loaded from %s)",
                     d->name, dup->path);
            why = buf;
        } else {
            why = vet_descriptor(ps, &np, d, d->abi_version, buf, sizeof buf);
        }
    }
    if (why) {
        rg_err_add(errs, path, 0, "refused: %s", why);
        rg_plugin_release(&np);
        return -1;
    }
    if (ps->n == ps->cap) {
        ps->cap = ps->cap ? ps->cap * 2 : 8;
        ps->v = rg_xrealloc(ps->v, ps->cap * sizeof *ps->v);
    }
    rg_plugin *p = &ps->v[ps->n++];
    *p = np;
    p->path = rg_xstrdup(path);
    p->handle = handle;
    p->desc = d;
    return 0;
}

const char *rg_plugin_vet(const regie_plugin *d, rg_plugin *p, char *buf, size_t bufsize)
{
    memset(p, 0, sizeof *p);
    p->desc = d;
    if (d->magic != REGIE_PLUGIN_MAGIC) {
        return "not a regie plugin (bad magic number)";
    }
    if (d->abi_version < REGIE_ABI_MIN || d->abi_version > REGIE_ABI_VERSION) {
        snprintf(buf, bufsize, "plugin ABI version %u, this regie speaks versions %u to %u",
                 d->abi_version, REGIE_ABI_MIN, REGIE_ABI_VERSION);
        return buf;
    }
    if (!valid_name(d->name)) {
        return "plugin name missing or not of [a-z0-9_-]";
    }
    rg_plugins none;
    memset(&none, 0, sizeof none);
    return vet_descriptor(&none, p, d, d->abi_version, buf, bufsize);
}

void rg_plugin_release(rg_plugin *p)
{
    free_types(p->types, p->ntypes);
    free(p->readers);
    p->types = NULL;
    p->readers = NULL;
    p->ntypes = p->nreaders = 0;
}

const rg_steptype *rg_plugin_find_type(rg_plugins *ps, const char *name, rg_plugin **owner)
{
    for (size_t i = 0; i < ps->n; i++) {
        for (size_t k = 0; k < ps->v[i].ntypes; k++) {
            if (strcmp(ps->v[i].types[k].name, name) == 0) {
                if (owner) {
                    *owner = &ps->v[i];
                }
                return &ps->v[i].types[k];
            }
        }
    }
    return NULL;
}

const regie_lua_fn *rg_plugin_lua_fn(const rg_plugin *p, const char *name)
{
    for (size_t i = 0; i < p->nlua; i++) {
        if (strcmp(p->lua[i].name, name) == 0) {
            return &p->lua[i];
        }
    }
    return NULL;
}

rg_plugin *rg_plugin_find_lua(rg_plugins *ps, const char *lua_name)
{
    for (size_t i = 0; i < ps->n; i++) {
        const char *a = ps->v[i].desc->name, *b = lua_name;
        while (*a && *b && (*a == *b || (*a == '-' && *b == '_'))) {
            a++;
            b++;
        }
        if (!*a && !*b) {
            return &ps->v[i];
        }
    }
    return NULL;
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

/* init runs once per plugin, also when a Lua step on a worker thread is
 * the first to call one of its functions */
static pthread_mutex_t init_mu = PTHREAD_MUTEX_INITIALIZER;

int rg_plugin_init(rg_plugin *p, const regie_host *host, rg_errors *errs)
{
    pthread_mutex_lock(&init_mu);
    int rc = 0;
    if (!p->initialised && p->init_failed) {
        rc = -1;
    } else if (!p->initialised && p->desc->init) {
        void *state = NULL;
        int st = p->desc->init(host, &state);
        if (st != 0) {
            rg_err_add(errs, p->path, 0, "plugin %s: init failed (status %d)", p->desc->name, st);
            p->init_failed = 1;
            rc = -1;
        } else {
            p->state = state;
        }
    }
    if (rc == 0) {
        p->initialised = 1;
    }
    pthread_mutex_unlock(&init_mu);
    return rc;
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
        free_types(p->types, p->ntypes);
        free(p->readers);
    }
    free(ps->v);
    rg_err_free(&ps->refused);
    memset(ps, 0, sizeof *ps);
}

/* ---- step instances ---- */
static void *own(rg_instance *in, void *mem)
{
    in->owned = rg_xrealloc(in->owned, (in->nowned + 1) * sizeof *in->owned);
    in->owned[in->nowned++] = mem;
    return mem;
}

int rg_instance_open(rg_instance *in, rg_plugin *p, const rg_steptype *t, const regie_host *host,
                     regie_ctx *ctx)
{
    in->type = t;
    in->plugin = p;
    if (t->plain || !t->open) {
        return 0;
    }
    if (t->config_size) {
        in->config = rg_xcalloc(1, t->config_size);
    }
    unsigned char *cfg = in->config;
    for (size_t i = 0; cfg && i < t->nparams; i++) {
        const regie_param *q = &t->params[i];
        const char *v = host->param(ctx, q->key);
        if (!q->at || !v) {
            continue; /* not bound, or absent without a default: zero (NULL, 0, empty list) */
        }
        void *m = cfg + (q->at - 1);
        const char *expected = NULL;
        int64_t i64;
        double num;
        int b;
        int32_t day;
        int bad = 0;
        switch (q->type) {
        case REGIE_PARAM_STRING: {
            const char *copy = own(in, rg_xstrdup(v));
            memcpy(m, &copy, sizeof copy);
            break;
        }
        case REGIE_PARAM_INT:
            bad = rg_parse_int(v, &i64) != 0;
            expected = "an integer";
            memcpy(m, &i64, sizeof i64);
            break;
        case REGIE_PARAM_NUM:
            bad = rg_parse_decimal(v, '.', &num) != 0;
            expected = "a number";
            memcpy(m, &num, sizeof num);
            break;
        case REGIE_PARAM_BOOL:
            bad = rg_parse_bool(v, &b) != 0;
            expected = "yes or no";
            b = b ? 1 : 0;
            memcpy(m, &b, sizeof b);
            break;
        case REGIE_PARAM_DATE:
            bad = rg_date_parse(v, &day) != 0;
            expected = "a date YYYY-MM-DD";
            memcpy(m, &day, sizeof day);
            break;
        case REGIE_PARAM_LIST: {
            char **items = NULL;
            size_t n = rg_split(v, ',', &items);
            own(in, items);
            for (size_t k = 0; k < n; k++) {
                own(in, items[k]);
            }
            regie_strlist l = { n, (const char *const *)items };
            memcpy(m, &l, sizeof l);
            break;
        }
        }
        if (bad) {
            /* checked when the workflow was bound; a value from elsewhere (a test) */
            host->fail(ctx, "%s: found \"%s\", expected %s", q->key, v, expected);
            in->open_failed = 1;
            return -1;
        }
    }
    void *instance = NULL;
    int rc = t->open(host, ctx, p->state, in->config, &instance);
    if (rc != 0) {
        in->open_failed = 1;
        /* (the plugin's own message, when it gave one, is kept) */
        host->fail(ctx, "step type %s: open failed (status %d)", t->name, rc);
        return -1;
    }
    in->instance = instance;
    in->opened = 1;
    return 0;
}

int rg_instance_run(rg_instance *in, const regie_host *host, regie_ctx *ctx)
{
    const rg_steptype *t = in->type;
    if (t->plain) {
        return in->plugin->desc->run(host, ctx, in->plugin->state);
    }
    return t->run(host, ctx, in->plugin->state, in->instance);
}

void rg_instance_close(rg_instance *in)
{
    if (in->opened && in->type->close) {
        in->type->close(in->plugin->state, in->instance);
    }
    in->opened = 0;
    in->instance = NULL;
    for (size_t i = 0; i < in->nowned; i++) {
        free(in->owned[i]);
    }
    free(in->owned);
    in->owned = NULL;
    in->nowned = 0;
    free(in->config);
    in->config = NULL;
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

static void print_params(const regie_param *params, FILE *f)
{
    if (!params || !params[0].key) {
        fprintf(f, "    parameters: none\n");
        return;
    }
    fprintf(f, "    parameters:\n");
    for (const regie_param *q = params; q->key; q++) {
        fprintf(f, "      %-20s %-8s %s", q->key, rg_param_type_name(q->type),
                q->required ? "required" : "optional");
        if (q->def) {
            fprintf(f, ", default %s", q->def);
        }
        fprintf(f, "\n          %s\n", q->description ? q->description : "");
    }
}

void rg_plugin_print_doc(const rg_plugin *p, FILE *f)
{
    const regie_plugin *d = p->desc;
    fprintf(f, "%s %s - %s\n", d->name, d->version ? d->version : "", d->summary ? d->summary : "");
    fprintf(f, "  file: %s\n  ABI version: %u\n", p->path, d->abi_version);
    fprintf(f, "  step types:%s\n", p->ntypes ? "" : " none");
    for (size_t i = 0; i < p->ntypes; i++) {
        const rg_steptype *t = &p->types[i];
        fprintf(f, "  %s - %s\n", t->name, t->summary ? t->summary : "");
        print_params(t->params, f);
    }
    if (p->nreaders) {
        fprintf(f, "  readers (input formats):\n");
        for (size_t i = 0; i < p->nreaders; i++) {
            fprintf(f, "    %-20s %s\n", p->readers[i].format,
                    p->readers[i].summary ? p->readers[i].summary : "");
        }
    }
    if (p->nlua) {
        fprintf(f, "  Lua functions:\n");
        for (size_t i = 0; i < p->nlua; i++) {
            char *lname = rg_xstrdup(d->name);
            for (char *c = lname; *c; c++) {
                *c = *c == '-' ? '_' : *c;
            }
            fprintf(f, "    regie.plugin.%s.%s(...)\n        %s\n", lname, p->lua[i].name,
                    p->lua[i].summary ? p->lua[i].summary : "");
            free(lname);
        }
    }
}
