/* Misuses of the C API, one per case: `misuse CASE` performs it and checks
 * that every misused call returns its error code with a non-empty message
 * (and that the VM stays usable where it should), then prints "ok CASE".
 * A crash, a hang or a wrong code fails the case. `misuse --list` prints
 * the cases. Driven by tests/capi_misuse.rs, one process per case. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kiln.h"

static void fail(int line, const char *what, const char *why) {
    fprintf(stderr, "misuse.c:%d: %s: %s\n", line, what, why);
    exit(1);
}

/* The call returned `got`; it should have failed with `want`. */
static void expect(int line, const char *what, int got, int want) {
    const char *msg = kiln_last_error(NULL);
    char why[512];
    if (got != want || kiln_last_error_code() != want || msg == NULL || msg[0] == '\0') {
        snprintf(why, sizeof why, "returned %d (want %d), last code %d, message \"%s\"", got,
                 want, kiln_last_error_code(), msg ? msg : "(null)");
        fail(line, what, why);
    }
    printf("  %s -> %d: %.*s\n", what, got, (int)strcspn(msg, "\n"), msg);
}
#define EXPECT(call, want) expect(__LINE__, #call, (call), (want))
/* A call returning a handle: NULL with the code. */
#define EXPECT_NULL(call, want) \
    expect(__LINE__, #call, (call) == NULL ? kiln_last_error_code() : 0, (want))

static void ok(int line, const char *what, int got) {
    if (got != KILN_OK || kiln_last_error_code() != KILN_OK || kiln_last_error(NULL)[0] != '\0') {
        fail(line, what, kiln_last_error(NULL));
    }
}
#define OK(call) ok(__LINE__, #call, (call))
#define NONNULL(call) ok(__LINE__, #call, (call) != NULL ? KILN_OK : kiln_last_error_code())

static const char *ADD = "def add(a, b):\n    return a + b\n";

static kiln_vm *new_vm(void) {
    kiln_vm *vm = kiln_vm_new();
    if (!vm) fail(__LINE__, "kiln_vm_new", kiln_last_error(NULL));
    return vm;
}

static kiln_module *load(kiln_vm *vm, const char *src) {
    kiln_module *m = kiln_load(vm, "t.py", src);
    if (!m) fail(__LINE__, "kiln_load", kiln_last_error(NULL));
    return m;
}

/* add(2, 3) must give 5: the VM and module still work. */
static void still_adds(kiln_vm *vm, kiln_module *m) {
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    OK(kiln_call(vm, m, "add", args, 2, &r));
    if (r.kind != KILN_INT || r.i != 5) fail(__LINE__, "add(2, 3)", "did not return 5");
}

static kiln_array *vec3(kiln_vm *vm) {
    double d[3] = {1, 2, 3};
    size_t shape[1] = {3};
    kiln_array *a = kiln_array_new(vm, KILN_FLOAT64, 1, shape, d, 0);
    if (!a) fail(__LINE__, "kiln_array_new", kiln_last_error(NULL));
    return a;
}

/* ---- the cases ---- */

static void null_pointers(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    double d[4] = {0};
    size_t shape[2] = {2, 2};
    uint32_t cls;
    ExternalMemAllocator table = {NULL, NULL, NULL, NULL};
    /* NULL vm */
    EXPECT_NULL(kiln_load(NULL, "t.py", ADD), KILN_E_NULL);
    EXPECT(kiln_call(NULL, m, "add", args, 2, &r), KILN_E_NULL);
    EXPECT(kiln_run_main(NULL, m), KILN_E_NULL);
    EXPECT(kiln_vm_free(NULL), KILN_E_NULL);
    EXPECT(kiln_vm_set_fuel(NULL, 10), KILN_E_NULL);
    EXPECT(kiln_vm_set_max_memory(NULL, 10), KILN_E_NULL);
    EXPECT(kiln_register_array_type(NULL, "T", 0, &cls), KILN_E_NULL);
    EXPECT(kiln_set_external_allocator(NULL, 0, &table), KILN_E_NULL);
    EXPECT_NULL(kiln_array_new(NULL, KILN_FLOAT64, 2, shape, d, 0), KILN_E_NULL);
    EXPECT_NULL(kiln_vm_new_config(NULL), KILN_E_NULL);
    /* NULL module */
    EXPECT(kiln_call(vm, NULL, "add", args, 2, &r), KILN_E_NULL);
    EXPECT(kiln_run_main(vm, NULL), KILN_E_NULL);
    EXPECT(kiln_module_free(NULL), KILN_E_NULL);
    /* NULL args, result, function name, strings */
    EXPECT(kiln_call(vm, m, "add", NULL, 2, &r), KILN_E_NULL);
    EXPECT(kiln_call(vm, m, "add", args, 2, NULL), KILN_E_NULL);
    EXPECT(kiln_call(vm, m, NULL, args, 2, &r), KILN_E_NULL);
    EXPECT_NULL(kiln_load(vm, NULL, ADD), KILN_E_NULL);
    EXPECT_NULL(kiln_load(vm, "t.py", NULL), KILN_E_NULL);
    EXPECT(kiln_register_array_type(vm, NULL, 0, &cls), KILN_E_NULL);
    EXPECT(kiln_register_array_type(vm, "T", 0, NULL), KILN_E_NULL);
    EXPECT(kiln_set_external_allocator(vm, 0, NULL), KILN_E_NULL);
    /* NULL data and shape */
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 2, shape, NULL, 0), KILN_E_NULL);
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 2, NULL, d, 0), KILN_E_NULL);
    /* NULL arrays and out-pointers */
    kiln_array *a = vec3(vm);
    size_t n;
    double x;
    EXPECT(kiln_array_release(NULL), KILN_E_NULL);
    EXPECT(kiln_array_ndim(NULL, &n), KILN_E_NULL);
    EXPECT(kiln_array_ndim(a, NULL), KILN_E_NULL);
    EXPECT(kiln_array_dim(a, 0, NULL), KILN_E_NULL);
    EXPECT(kiln_array_get_f64(a, 0, NULL), KILN_E_NULL);
    EXPECT(kiln_array_get_f64(NULL, 0, &x), KILN_E_NULL);
    EXPECT_NULL(kiln_array_str(NULL), KILN_E_NULL);
    EXPECT(kiln_string_free(NULL), KILN_E_NULL);
    kiln_value arr_null = {KILN_ARRAY, 0, 0.0, NULL};
    kiln_value two[2] = {arr_null, arr_null};
    EXPECT(kiln_call(vm, m, "add", two, 2, &r), KILN_E_NULL);
    /* Empty arrays need neither data nor (for 0-d) shape. */
    size_t zero[1] = {0};
    kiln_array *e = kiln_array_new(vm, KILN_FLOAT64, 1, zero, NULL, 0);
    NONNULL(e);
    OK(kiln_array_release(e));
    OK(kiln_array_release(a));
    still_adds(vm, m);
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void array_use_after_release(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_array *a = vec3(vm);
    OK(kiln_array_release(a));
    size_t n;
    double x;
    EXPECT(kiln_array_ndim(a, &n), KILN_E_HANDLE);
    EXPECT(kiln_array_dim(a, 0, &n), KILN_E_HANDLE);
    EXPECT(kiln_array_get_f64(a, 0, &x), KILN_E_HANDLE);
    EXPECT_NULL(kiln_array_str(a), KILN_E_HANDLE);
    kiln_value args[2] = {{KILN_ARRAY, 0, 0.0, a}, {KILN_INT, 1, 0.0, NULL}};
    kiln_value r;
    EXPECT(kiln_call(vm, m, "add", args, 2, &r), KILN_E_HANDLE);
    if (r.kind != KILN_NONE || r.array != NULL) fail(__LINE__, "kiln_call", "result not cleared");
    still_adds(vm, m);
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void array_double_release(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_array *a = vec3(vm);
    kiln_value args[2] = {{KILN_ARRAY, 0, 0.0, a}, {KILN_FLOAT, 0, 1.0, NULL}};
    kiln_value r;
    OK(kiln_call(vm, m, "add", args, 2, &r));
    OK(kiln_array_release(r.array));
    EXPECT(kiln_array_release(r.array), KILN_E_HANDLE);
    OK(kiln_array_release(a));
    EXPECT(kiln_array_release(a), KILN_E_HANDLE);
    char *s = NULL;
    kiln_array *b = vec3(vm);
    NONNULL(s = kiln_array_str(b));
    OK(kiln_string_free(s));
    EXPECT(kiln_string_free(s), KILN_E_HANDLE);
    char mine[4] = "abc";
    EXPECT(kiln_string_free(mine), KILN_E_HANDLE);
    OK(kiln_array_release(b));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void module_double_free(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    OK(kiln_module_free(m));
    EXPECT(kiln_module_free(m), KILN_E_HANDLE);
    OK(kiln_vm_free(vm));
}

static void call_after_module_free(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    still_adds(vm, m);
    OK(kiln_module_free(m));
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    EXPECT(kiln_call(vm, m, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_run_main(vm, m), KILN_E_HANDLE);
    kiln_module *m2 = load(vm, ADD);
    still_adds(vm, m2);
    OK(kiln_module_free(m2));
    OK(kiln_vm_free(vm));
}

static void call_after_vm_free(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_array *a = vec3(vm);
    OK(kiln_vm_free(vm));
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    uint32_t cls;
    EXPECT(kiln_call(vm, m, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_run_main(vm, m), KILN_E_HANDLE);
    EXPECT_NULL(kiln_load(vm, "t.py", ADD), KILN_E_HANDLE);
    EXPECT(kiln_register_array_type(vm, "T", 0, &cls), KILN_E_HANDLE);
    EXPECT(kiln_vm_set_fuel(vm, 5), KILN_E_HANDLE);
    /* A new VM does not take the old one's place. */
    kiln_vm *vm2 = new_vm();
    EXPECT(kiln_call(vm, m, "add", args, 2, &r), KILN_E_HANDLE);
    /* Nor does it adopt the old VM's module. */
    EXPECT(kiln_call(vm2, m, "add", args, 2, &r), KILN_E_HANDLE);
    /* Arrays outlive their VM. */
    double x;
    OK(kiln_array_get_f64(a, 2, &x));
    if (x != 3.0) fail(__LINE__, "kiln_array_get_f64", "wrong element");
    OK(kiln_array_release(a));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm2));
}

static void double_vm_free(void) {
    kiln_vm *vm = new_vm();
    OK(kiln_vm_free(vm));
    EXPECT(kiln_vm_free(vm), KILN_E_HANDLE);
}

static void foreign_handles(void) {
    kiln_vm *vm = new_vm();
    kiln_vm *other = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_array *a = vec3(vm);
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    int local = 0;
    size_t n;
    /* A module of another VM, handles of the wrong kind, made-up ones. */
    EXPECT(kiln_call(other, m, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_call((kiln_vm *)a, m, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_call(vm, (kiln_module *)a, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_array_ndim((kiln_array *)m, &n), KILN_E_HANDLE);
    EXPECT(kiln_call((kiln_vm *)&local, m, "add", args, 2, &r), KILN_E_HANDLE);
    EXPECT(kiln_array_release((kiln_array *)&local), KILN_E_HANDLE);
    EXPECT(kiln_vm_free((kiln_vm *)(uintptr_t)0xdeadbeef), KILN_E_HANDLE);
    /* Unknown kinds and dtypes. */
    kiln_value bad[1] = {{77, 0, 0.0, NULL}};
    EXPECT(kiln_call(vm, m, "add", bad, 1, &r), KILN_E_ARG);
    size_t shape[1] = {1};
    double d[1] = {1};
    EXPECT_NULL(kiln_array_new(vm, 99, 1, shape, d, 0), KILN_E_ARG);
    EXPECT(kiln_call(vm, m, "nope", args, 2, &r), KILN_E_ARG);
    EXPECT(kiln_call(vm, m, "add", args, 1, &r), KILN_E_ARG);
    still_adds(vm, m);
    OK(kiln_array_release(a));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(other));
    OK(kiln_vm_free(vm));
}

struct thread_case {
    kiln_vm *vm;
    kiln_module *m;
    kiln_array *a;
    int call, ndim, release;
    char msg[256];
};

static void *other_thread(void *p) {
    struct thread_case *t = p;
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    size_t n;
    t->call = kiln_call(t->vm, t->m, "add", args, 2, &r);
    snprintf(t->msg, sizeof t->msg, "%s", kiln_last_error(NULL));
    t->ndim = kiln_array_ndim(t->a, &n);
    t->release = kiln_array_release(t->a);
    return NULL;
}

static void other_thread_handles(void) {
    struct thread_case t = {new_vm(), NULL, NULL, 0, 0, 0, ""};
    t.m = load(t.vm, ADD);
    t.a = vec3(t.vm);
    pthread_t th;
    if (pthread_create(&th, NULL, other_thread, &t) != 0) fail(__LINE__, "pthread", "create");
    pthread_join(th, NULL);
    if (t.call != KILN_E_HANDLE || t.ndim != KILN_E_HANDLE || t.release != KILN_E_HANDLE ||
        t.msg[0] == '\0')
        fail(__LINE__, "handles on another thread", "were not refused");
    printf("  kiln_call on another thread -> %d: %s\n", t.call, t.msg);
    still_adds(t.vm, t.m);
    OK(kiln_array_release(t.a));
    OK(kiln_module_free(t.m));
    OK(kiln_vm_free(t.vm));
}

static void *libc_malloc(size_t n, void *d) { (void)d; return malloc(n); }
static void libc_free(void *p, void *d) { (void)d; free(p); }

static void null_malloc_table(void) {
    kiln_vm *vm = new_vm();
    uint32_t my;
    OK(kiln_register_array_type(vm, "MyArray", 0, &my));
    ExternalMemAllocator no_malloc = {NULL, NULL, libc_free, NULL};
    ExternalMemAllocator no_free = {libc_malloc, NULL, NULL, NULL};
    EXPECT(kiln_set_external_allocator(vm, my, &no_malloc), KILN_E_ARG);
    EXPECT(kiln_set_external_allocator(vm, my, &no_free), KILN_E_ARG);
    /* MyArray still allocates (with the inherited system allocator). */
    kiln_module *m = load(vm, ADD);
    double d[2] = {1, 2};
    size_t shape[1] = {2};
    kiln_array *a = kiln_array_new(vm, KILN_FLOAT64, 1, shape, d, my);
    NONNULL(a);
    kiln_value args[2] = {{KILN_ARRAY, 0, 0.0, a}, {KILN_ARRAY, 0, 0.0, a}};
    kiln_value r;
    OK(kiln_call(vm, m, "add", args, 2, &r));
    double x;
    OK(kiln_array_get_f64(r.array, 1, &x));
    if (x != 4.0) fail(__LINE__, "a + a", "wrong element");
    OK(kiln_array_release(r.array));
    OK(kiln_array_release(a));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void allocator_bad_class(void) {
    kiln_vm *vm = new_vm();
    ExternalMemAllocator table = {libc_malloc, NULL, libc_free, NULL};
    EXPECT(kiln_set_external_allocator(vm, 0xFFFFFFFFu, &table), KILN_E_ARG);
    EXPECT(kiln_set_external_allocator(vm, 1, &table), KILN_E_ARG);
    size_t shape[1] = {1};
    double d[1] = {1};
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 1, shape, d, 0xFFFFFFFFu), KILN_E_ARG);
    OK(kiln_set_external_allocator(vm, 0, &table));
    kiln_module *m = load(vm, ADD);
    still_adds(vm, m);
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void shape_overflow(void) {
    kiln_vm *vm = new_vm();
    double d[16] = {0};
    size_t big[2] = {(size_t)1 << 62, 8};
    size_t wraps[2] = {(size_t)1 << 63, 2}; /* the product wraps to 0 */
    size_t bytes_wrap[1] = {(size_t)1 << 61}; /* 2^61 elements * 8 bytes wraps */
    size_t empty_huge[2] = {0, (size_t)1 << 62}; /* no elements, but strides overflow */
    kiln_array *a;
    EXPECT_NULL(a = kiln_array_new(vm, KILN_FLOAT64, 2, big, d, 0), KILN_E_ARG);
    /* The follow-up read that used to go out of bounds: */
    double x;
    EXPECT(kiln_array_get_f64(a, 1000, &x), KILN_E_NULL);
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 2, wraps, NULL, 0), KILN_E_ARG);
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 1, bytes_wrap, d, 0), KILN_E_ARG);
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 2, empty_huge, NULL, 0), KILN_E_ARG);
    /* In range: reads past the end are errors too. */
    kiln_array *v = vec3(vm);
    EXPECT(kiln_array_get_f64(v, 3, &x), KILN_E_ARG);
    size_t n;
    EXPECT(kiln_array_dim(v, 1, &n), KILN_E_ARG);
    OK(kiln_array_release(v));
    OK(kiln_vm_free(vm));
}

static void ndim_9(void) {
    kiln_vm *vm = new_vm();
    size_t shape[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    double d[1] = {1};
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 9, shape, d, 0), KILN_E_ARG);
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, (size_t)1 << 60, shape, d, 0), KILN_E_ARG);
    kiln_array *a = kiln_array_new(vm, KILN_FLOAT64, 8, shape, d, 0);
    NONNULL(a);
    OK(kiln_array_release(a));
    OK(kiln_vm_free(vm));
}

static void nargs_huge(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    EXPECT(kiln_call(vm, m, "add", args, (size_t)1 << 60, &r), KILN_E_ARG);
    EXPECT(kiln_call(vm, m, "add", args, SIZE_MAX, &r), KILN_E_ARG);
    still_adds(vm, m);
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void array_8tib(void) {
    kiln_vm *vm = new_vm();
    double d[4] = {0};
    size_t shape[1] = {(size_t)1 << 40}; /* 8 TiB of float64 */
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 1, shape, d, 0), KILN_E_MEMORY);
    /* Under a memory limit, refused before any allocation. */
    OK(kiln_vm_set_max_memory(vm, 1 << 20));
    size_t mib2[1] = {1 << 18};
    EXPECT_NULL(kiln_array_new(vm, KILN_FLOAT64, 1, mib2, d, 0), KILN_E_MEMORY);
    /* And from a script: a MemoryError. */
    OK(kiln_vm_set_max_memory(vm, 0));
    kiln_module *m = load(vm, "import numpy as np\ndef big(n):\n    return np.zeros(n)\n");
    kiln_value arg = {KILN_INT, (int64_t)1 << 40, 0.0, NULL};
    kiln_value r;
    EXPECT(kiln_call(vm, m, "big", &arg, 1, &r), KILN_E_SCRIPT);
    if (!strstr(kiln_last_error(NULL), "MemoryError")) fail(__LINE__, "np.zeros", "no MemoryError");
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

/* An allocator whose malloc calls back into Kiln. */
struct reenter {
    kiln_vm *vm;
    kiln_module *m;
    int status, free_status;
    char msg[256];
};
static void *reenter_malloc(size_t n, void *data) {
    struct reenter *s = data;
    kiln_value args[2] = {{KILN_INT, 2, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    s->status = kiln_call(s->vm, s->m, "add", args, 2, &r);
    snprintf(s->msg, sizeof s->msg, "%s", kiln_last_error(NULL));
    return malloc(n);
}
static void reenter_free(void *p, void *data) {
    struct reenter *s = data;
    s->free_status = kiln_vm_free(s->vm);
    free(p);
}

static void reentrant_call(void) {
    struct reenter s = {new_vm(), NULL, 1, 1, ""};
    s.m = load(s.vm, "import numpy as np\ndef add(a, b):\n    return a + b\n"
                     "def make(n):\n    return np.zeros(n)\n");
    ExternalMemAllocator table = {reenter_malloc, NULL, reenter_free, &s};
    OK(kiln_set_external_allocator(s.vm, 0, &table));
    kiln_value arg = {KILN_INT, 4, 0.0, NULL};
    kiln_value r;
    OK(kiln_call(s.vm, s.m, "make", &arg, 1, &r));
    if (s.status != KILN_E_REENTRANT || s.msg[0] == '\0')
        fail(__LINE__, "kiln_call from malloc", "was not refused as re-entrant");
    printf("  kiln_call from inside malloc -> %d: %s\n", s.status, s.msg);
    OK(kiln_array_release(r.array));
    if (s.free_status != KILN_E_REENTRANT)
        fail(__LINE__, "kiln_vm_free from free", "was not refused as re-entrant");
    still_adds(s.vm, s.m);
    OK(kiln_module_free(s.m));
    OK(kiln_vm_free(s.vm));
}

static void class_cycle(void) {
    kiln_vm *vm = new_vm();
    uint32_t a, b;
    /* Class 1 would be the new class itself; 2 does not exist yet. */
    EXPECT(kiln_register_array_type(vm, "Self", 1, &a), KILN_E_ARG);
    EXPECT(kiln_register_array_type(vm, "Ahead", 2, &a), KILN_E_ARG);
    EXPECT(kiln_register_array_type(vm, "Far", 0xFFFFFFFFu, &a), KILN_E_ARG);
    OK(kiln_register_array_type(vm, "A", 0, &a));
    OK(kiln_register_array_type(vm, "B", a, &b));
    EXPECT(kiln_register_array_type(vm, "Loop", b + 1, &a), KILN_E_ARG);
    /* Allocation walks the chain B -> A -> ndarray and ends. */
    kiln_module *m = load(vm, ADD);
    double d[2] = {1, 2};
    size_t shape[1] = {2};
    kiln_array *x = kiln_array_new(vm, KILN_FLOAT64, 1, shape, d, b);
    NONNULL(x);
    kiln_value args[2] = {{KILN_ARRAY, 0, 0.0, x}, {KILN_FLOAT, 0, 1.0, NULL}};
    kiln_value r;
    OK(kiln_call(vm, m, "add", args, 2, &r));
    OK(kiln_array_release(r.array));
    OK(kiln_array_release(x));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void failed_call_keeps_module(void) {
    kiln_vm *vm = new_vm();
    kiln_module *m = load(vm, ADD);
    still_adds(vm, m);
    kiln_value bad[2] = {{KILN_NONE, 0, 0.0, NULL}, {KILN_INT, 3, 0.0, NULL}};
    kiln_value r;
    EXPECT(kiln_call(vm, m, "add", bad, 2, &r), KILN_E_SCRIPT);
    still_adds(vm, m);
    /* Again, with an array in the failing call, then floats. */
    kiln_array *a = vec3(vm);
    kiln_value bad2[2] = {{KILN_ARRAY, 0, 0.0, a}, {KILN_NONE, 0, 0.0, NULL}};
    EXPECT(kiln_call(vm, m, "add", bad2, 2, &r), KILN_E_SCRIPT);
    still_adds(vm, m);
    kiln_value fl[2] = {{KILN_FLOAT, 0, 0.5, NULL}, {KILN_FLOAT, 0, 0.25, NULL}};
    OK(kiln_call(vm, m, "add", fl, 2, &r));
    if (r.kind != KILN_FLOAT || r.f != 0.75) fail(__LINE__, "add(0.5, 0.25)", "wrong result");
    OK(kiln_array_release(a));
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

static void runaway_fuel(void) {
    const char *spin = "def add(a, b):\n    return a + b\n"
                       "def spin():\n    while True:\n        pass\n";
    kiln_value r;
    /* With a setter, in each tier. */
    for (uint32_t tier = 0; tier < 3; tier++) {
        kiln_config cfg = {tier, 0, 0, 0};
        kiln_vm *vm = kiln_vm_new_config(&cfg);
        NONNULL(vm);
        OK(kiln_vm_set_fuel(vm, 100000));
        kiln_module *m = load(vm, spin);
        EXPECT(kiln_call(vm, m, "spin", NULL, 0, &r), KILN_E_SCRIPT);
        if (!strstr(kiln_last_error(NULL), "fuel")) fail(__LINE__, "spin", "not a fuel error");
        still_adds(vm, m);
        OK(kiln_module_free(m));
        OK(kiln_vm_free(vm));
    }
    /* From the configuration, with the memory limit. */
    kiln_config cfg = {1, 0, 50000, 1 << 20};
    kiln_vm *vm = kiln_vm_new_config(&cfg);
    NONNULL(vm);
    kiln_module *m = load(vm, "import numpy as np\ndef spin():\n    while True:\n        pass\n"
                              "def big():\n    return np.zeros(1 << 20)\n");
    EXPECT(kiln_call(vm, m, "spin", NULL, 0, &r), KILN_E_SCRIPT);
    EXPECT(kiln_call(vm, m, "big", NULL, 0, &r), KILN_E_SCRIPT);
    if (!strstr(kiln_last_error(NULL), "MemoryError")) fail(__LINE__, "big", "no MemoryError");
    kiln_config bad = {7, 0, 0, 0};
    EXPECT_NULL(kiln_vm_new_config(&bad), KILN_E_ARG);
    OK(kiln_module_free(m));
    OK(kiln_vm_free(vm));
}

struct named { const char *name; void (*run)(void); };
static const struct named CASES[] = {
    {"null_pointers", null_pointers},
    {"array_use_after_release", array_use_after_release},
    {"array_double_release", array_double_release},
    {"module_double_free", module_double_free},
    {"call_after_module_free", call_after_module_free},
    {"call_after_vm_free", call_after_vm_free},
    {"double_vm_free", double_vm_free},
    {"foreign_handles", foreign_handles},
    {"other_thread_handles", other_thread_handles},
    {"null_malloc_table", null_malloc_table},
    {"allocator_bad_class", allocator_bad_class},
    {"shape_overflow", shape_overflow},
    {"ndim_9", ndim_9},
    {"nargs_huge", nargs_huge},
    {"array_8tib", array_8tib},
    {"reentrant_call", reentrant_call},
    {"class_cycle", class_cycle},
    {"failed_call_keeps_module", failed_call_keeps_module},
    {"runaway_fuel", runaway_fuel},
};

int main(int argc, char **argv) {
    size_t n = sizeof CASES / sizeof CASES[0];
    if (argc == 2 && strcmp(argv[1], "--list") == 0) {
        for (size_t i = 0; i < n; i++) printf("%s\n", CASES[i].name);
        return 0;
    }
    for (size_t i = 0; argc == 2 && i < n; i++) {
        if (strcmp(argv[1], CASES[i].name) == 0) {
            CASES[i].run();
            printf("ok %s\n", CASES[i].name);
            return 0;
        }
    }
    fprintf(stderr, "usage: misuse --list | misuse CASE\n");
    return 2;
}
