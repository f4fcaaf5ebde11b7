/* Kiln's C API: create a VM, load a program, call its functions with
 * scalars and arrays, register array subtypes and route their memory to an
 * external allocator (Numba's nrt_external.h table, byte for byte).
 *
 * Link against the kiln library (libkiln.a or libkiln.so from
 * `cargo build`), plus -lpthread -ldl -lm when linking statically. */
#ifndef KILN_H
#define KILN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the external allocator table, as in Numba's nrt_external.h ---- */
typedef void *(*NRT_external_malloc_func)(size_t size, void *opaque_data);
typedef void *(*NRT_external_realloc_func)(void *ptr, size_t new_size, void *opaque_data);
typedef void (*NRT_external_free_func)(void *ptr, void *opaque_data);

typedef struct ExternalMemAllocator {
    NRT_external_malloc_func malloc;
    NRT_external_realloc_func realloc; /* may be NULL */
    NRT_external_free_func free;
    void *opaque_data;
} ExternalMemAllocator;

/* Each array allocation calls malloc once for the header (48 bytes), the
 * data and alignment padding: 48 + nbytes + 2 * 32 bytes. The matching free
 * gets the same pointer and opaque_data exactly once, when the last
 * reference goes. A NULL from malloc is a MemoryError in the script. */

typedef struct kiln_vm kiln_vm;
typedef struct kiln_module kiln_module;
typedef struct kiln_array kiln_array;

/* dtype codes */
enum {
    KILN_BOOL_ = 0, KILN_INT8, KILN_INT16, KILN_INT32, KILN_INT64,
    KILN_UINT8, KILN_UINT16, KILN_UINT32, KILN_UINT64, KILN_FLOAT32, KILN_FLOAT64
};

/* value kinds */
enum { KILN_NONE = 0, KILN_BOOL = 1, KILN_INT = 2, KILN_FLOAT = 3, KILN_ARRAY = 4 };

typedef struct kiln_value {
    uint32_t kind;
    int64_t i;          /* KILN_BOOL, KILN_INT */
    double f;           /* KILN_FLOAT */
    kiln_array *array;  /* KILN_ARRAY: owned by whoever received it */
} kiln_value;

kiln_vm *kiln_vm_new(void);
void kiln_vm_free(kiln_vm *vm);
/* The last error's text (a compile diagnostic or a Python-style traceback). */
const char *kiln_last_error(kiln_vm *vm);

kiln_module *kiln_load(kiln_vm *vm, const char *name, const char *source); /* NULL on error */
void kiln_module_free(kiln_module *m);
int kiln_run_main(kiln_vm *vm, kiln_module *m);                            /* 0 ok, -1 error */
/* Array arguments are borrowed; an array result is owned by the caller. */
int kiln_call(kiln_vm *vm, kiln_module *m, const char *func,
              const kiln_value *args, size_t nargs, kiln_value *result); /* 0 ok, -1 error */

/* A subtype of `base` (0 = ndarray) whose ufunc results keep the subtype. */
uint32_t kiln_register_array_type(kiln_vm *vm, const char *name, uint32_t base);
/* Routes the type's _allocate to an external allocator (the table is copied). */
int kiln_set_external_allocator(kiln_vm *vm, uint32_t cls, const ExternalMemAllocator *table);

/* A new array holding a copy of `data`. */
kiln_array *kiln_array_new(kiln_vm *vm, uint32_t dtype, size_t ndim, const size_t *shape,
                           const void *data, uint32_t cls);
void kiln_array_release(kiln_array *a);
size_t kiln_array_ndim(const kiln_array *a);
size_t kiln_array_dim(const kiln_array *a, size_t i);
double kiln_array_get_f64(const kiln_array *a, size_t k); /* element k in C order */
char *kiln_array_str(const kiln_array *a);                /* NumPy's str(); kiln_string_free it */
void kiln_string_free(char *s);

#ifdef __cplusplus
}
#endif
#endif
