/* Kiln's C API: create a VM, load a program, call its functions with
 * scalars and arrays, register array subtypes and route their memory to an
 * external allocator (Numba's nrt_external.h table, byte for byte).
 *
 * Linking. `cargo build --release --lib` makes target/release/libkiln.a
 * and target/release/libkiln.so (soname libkiln.so); `make install
 * PREFIX=...` at the repository root installs them with this header and
 * the pkg-config files kiln.pc (shared) and kiln-static.pc. Statically,
 * add -lpthread -ldl -lm. The shared library may also be dlopen'ed: its
 * symbols are the functions below.
 *
 * Errors. Every function reports failure by its return value: functions
 * returning `int` return KILN_OK (0) or a negative kiln_status; functions
 * returning a handle or string return NULL. Then kiln_last_error() holds a
 * message for people and kiln_last_error_code() the status. Both are kept
 * per thread and need no VM, so they work when the VM handle itself was the
 * problem. Every call clears them first: after a success the message is ""
 * and the code KILN_OK. No input makes the process crash: NULL pointers,
 * released or made-up handles, sizes that overflow and calls made from a
 * callback are all errors. Each function below lists the statuses it
 * returns; any of them (except kiln_last_error and kiln_last_error_code,
 * which cannot fail) may also return KILN_E_REENTRANT when called from an
 * allocator callback, and KILN_E_INTERNAL for a bug caught inside Kiln.
 *
 * Handles. kiln_vm *, kiln_module * and kiln_array * are opaque handles,
 * not pointers to memory: never dereference them. The caller owns every
 * handle a function returns and gives it back exactly once: a VM with
 * kiln_vm_free, a module with kiln_module_free, an array reference with
 * kiln_array_release, a string with kiln_string_free. Arguments are
 * borrowed for the call: Kiln copies the strings, data, shapes and tables
 * it keeps, and never frees what the caller passed. Each handle is valid
 * on the thread that created it until it is given back; a handle is never
 * reused, so using one after it was freed, freeing it twice, or using it
 * on another thread is a KILN_E_HANDLE error.
 *
 * Callbacks. While a Kiln function runs, it may call the allocator
 * functions of a table given to kiln_set_external_allocator. Those must not
 * call Kiln functions (other than kiln_last_error and
 * kiln_last_error_code): such a call fails with KILN_E_REENTRANT.
 *
 * What Kiln cannot check, and still trusts: a non-NULL string is
 * NUL-terminated; a non-NULL `data`, `shape`, `args` or `result` pointer
 * points to as many elements as the call's sizes say; allocator functions
 * behave like malloc and free. */
#ifndef KILN_H
#define KILN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes ---- */
typedef enum kiln_status {
    KILN_OK = 0,
    KILN_E_SCRIPT = -1,    /* the program failed to compile, or raised a Python
                              exception (the message is the diagnostic or the
                              traceback); also fuel and memory limits */
    KILN_E_NULL = -2,      /* a required pointer argument is NULL */
    KILN_E_HANDLE = -3,    /* a handle that is released, freed, of another VM or
                              thread, or never was one */
    KILN_E_ARG = -4,       /* a bad value: size, dtype, kind, class, function name
                              or number of arguments */
    KILN_E_MEMORY = -5,    /* memory for the request could not be had */
    KILN_E_REENTRANT = -6, /* called from a callback while a Kiln call runs */
    KILN_E_INTERNAL = -7   /* a bug in Kiln, caught; the VM involved refuses
                              further work (free it) */
} kiln_status;

/* ---- the external allocator table, as in Numba's nrt_external.h ---- */
typedef void *(*NRT_external_malloc_func)(size_t size, void *opaque_data);
typedef void *(*NRT_external_realloc_func)(void *ptr, size_t new_size, void *opaque_data);
typedef void (*NRT_external_free_func)(void *ptr, void *opaque_data);

typedef struct ExternalMemAllocator {
    NRT_external_malloc_func malloc;   /* required */
    NRT_external_realloc_func realloc; /* may be NULL */
    NRT_external_free_func free;       /* required */
    void *opaque_data;
} ExternalMemAllocator;

/* Each array allocation calls malloc once for the header (48 bytes), the
 * data and alignment padding: 48 + nbytes + 2 * 32 bytes. The matching free
 * gets the same pointer and opaque_data exactly once, when the last
 * reference goes. A NULL from malloc is a MemoryError in the script. */

/* ---- handles ---- */
typedef struct kiln_vm kiln_vm;         /* a VM: from kiln_vm_new*, until kiln_vm_free */
typedef struct kiln_module kiln_module; /* a loaded program: from kiln_load, until
                                           kiln_module_free; usable only with its VM */
typedef struct kiln_array kiln_array;   /* one reference to an array: from kiln_array_new
                                           or a kiln_call result, until kiln_array_release;
                                           independent of any VM (valid after it is freed) */

/* The message of the last call on this thread that failed, or "" after a
 * success; never NULL, owned by Kiln (do not free it), valid until the
 * next Kiln call on this thread. `vm` is ignored (kept for source
 * compatibility): any value, NULL included, is fine. Cannot fail. */
const char *kiln_last_error(const kiln_vm *vm);
/* The kiln_status of the last call on this thread. Cannot fail. */
int kiln_last_error_code(void);

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
    kiln_array *array;  /* KILN_ARRAY: borrowed in an argument; in a result, a new
                           reference the caller owns and releases */
} kiln_value;

/* Most arguments one kiln_call may pass. */
#define KILN_MAX_ARGS 1024

/* ---- VMs ---- */

/* How a VM runs programs. All zero is the default configuration. */
typedef struct kiln_config {
    uint32_t tier;       /* 0 auto (interpret, compile what is hot), 1 interp, 2 jit */
    uint32_t max_depth;  /* deepest recursion before RecursionError; 0: 1000;
                            above 1000000: 1000000 */
    uint64_t fuel;       /* work one kiln_call or kiln_run_main may do before it
                            stops with an error: a unit per loop iteration and call,
                            per 32 array elements an operation processes, per
                            element printed, per 32 bytes of a string made or
                            printed (README, "--fuel"); 0: no limit */
    uint64_t max_memory; /* most bytes of array and string memory live at once,
                            and of call stack; 0: no limit */
} kiln_config;

/* A VM with the default configuration, owned by the caller (kiln_vm_free);
 * NULL on error. */
kiln_vm *kiln_vm_new(void);
/* A VM configured by *cfg (copied), owned by the caller (kiln_vm_free);
 * NULL on error (KILN_E_NULL, KILN_E_ARG for an unknown tier). */
kiln_vm *kiln_vm_new_config(const kiln_config *cfg);
/* Fuel of each later call (0: no limit). KILN_OK, KILN_E_NULL, KILN_E_HANDLE. */
int kiln_vm_set_fuel(kiln_vm *vm, uint64_t fuel);
/* Cap on live array and string memory (0: no limit). KILN_OK, KILN_E_NULL, KILN_E_HANDLE. */
int kiln_vm_set_max_memory(kiln_vm *vm, uint64_t bytes);
/* Frees a VM. Arrays the host holds stay valid; its modules can then only be
 * freed. KILN_OK, KILN_E_NULL, KILN_E_HANDLE (e.g. freed twice). */
int kiln_vm_free(kiln_vm *vm);

/* ---- programs ---- */

/* Parses, types and compiles a program (`name` and `source` are copied).
 * The module is owned by the caller (kiln_module_free) and used only with
 * `vm`. NULL on error (KILN_E_SCRIPT with the rendered diagnostic,
 * KILN_E_NULL, KILN_E_HANDLE, KILN_E_ARG for text that is not UTF-8). */
kiln_module *kiln_load(kiln_vm *vm, const char *name, const char *source);
/* KILN_OK, KILN_E_NULL, KILN_E_HANDLE (e.g. freed twice). */
int kiln_module_free(kiln_module *m);
/* Runs the module's top-level code. KILN_OK, KILN_E_SCRIPT, KILN_E_NULL,
 * KILN_E_HANDLE. */
int kiln_run_main(kiln_vm *vm, kiln_module *m);
/* Calls top-level function `func` with `nargs` arguments (`args` may be NULL
 * when nargs is 0) and stores the result in *result; *result is set to
 * KILN_NONE first, so on error it holds no array. Array arguments are
 * borrowed; an array result is a new reference the caller releases.
 * KILN_OK, KILN_E_SCRIPT (the function does not type or compile for these
 * argument types, or it raised, ran out of fuel or hit the memory limit),
 * KILN_E_ARG (no such function, a wrong number of arguments, an unknown kind,
 * an array of a class this VM does not know, a tuple result, nargs >
 * KILN_MAX_ARGS), KILN_E_NULL, KILN_E_HANDLE, KILN_E_REENTRANT. A failed call
 * leaves the module as it was: later calls behave as if it was not made. */
int kiln_call(kiln_vm *vm, kiln_module *m, const char *func,
              const kiln_value *args, size_t nargs, kiln_value *result);

/* ---- array classes ---- */

/* A subtype of `base` (0 = ndarray, else a class registered before in this
 * VM) named `name` (copied), whose ufunc results keep the subtype; its
 * class id, a number that means something only in this VM, goes to *out.
 * KILN_OK, KILN_E_ARG (unknown base), KILN_E_NULL, KILN_E_HANDLE. */
int kiln_register_array_type(kiln_vm *vm, const char *name, uint32_t base, uint32_t *out);
/* Routes class `cls`'s _allocate to an external allocator (the table is
 * copied; its functions must stay callable while any array of the class
 * lives). KILN_OK, KILN_E_ARG (unknown class, NULL malloc or free),
 * KILN_E_NULL, KILN_E_HANDLE. */
int kiln_set_external_allocator(kiln_vm *vm, uint32_t cls, const ExternalMemAllocator *table);

/* ---- arrays ---- */

/* A new array of class `cls` holding a copy of `data` (`ndim` <= 8
 * dimensions of `shape`, C order); the caller keeps `data`. `shape` may be
 * NULL when ndim is 0 and `data` when the array is empty. The returned
 * reference is the caller's (kiln_array_release); the memory comes from
 * the class's allocator. NULL on error: KILN_E_ARG (dtype, ndim, class, a
 * shape whose size overflows), KILN_E_MEMORY (no memory, or more than the
 * VM's max_memory), KILN_E_NULL, KILN_E_HANDLE. */
kiln_array *kiln_array_new(kiln_vm *vm, uint32_t dtype, size_t ndim, const size_t *shape,
                           const void *data, uint32_t cls);
/* Drops this reference (the memory is freed through its allocator with the
 * last one). KILN_OK, KILN_E_NULL, KILN_E_HANDLE (e.g. released twice). */
int kiln_array_release(kiln_array *a);
/* Number of dimensions into *out. KILN_OK, KILN_E_NULL, KILN_E_HANDLE. */
int kiln_array_ndim(const kiln_array *a, size_t *out);
/* Length of dimension i into *out. KILN_OK, KILN_E_ARG (i >= ndim),
 * KILN_E_NULL, KILN_E_HANDLE. */
int kiln_array_dim(const kiln_array *a, size_t i, size_t *out);
/* Element k in C order, converted to double, into *out. KILN_OK, KILN_E_ARG
 * (k out of range), KILN_E_NULL, KILN_E_HANDLE. */
int kiln_array_get_f64(const kiln_array *a, size_t k, double *out);
/* NumPy's str() of the array, a new string the caller owns (free it with
 * kiln_string_free, not free()); NULL on error (KILN_E_NULL,
 * KILN_E_HANDLE). */
char *kiln_array_str(const kiln_array *a);
/* Frees a string from kiln_array_str. KILN_OK, KILN_E_NULL, KILN_E_HANDLE
 * (freed twice, or not from kiln_array_str). */
int kiln_string_free(char *s);

#ifdef __cplusplus
}
#endif
#endif
