/* The seed notebook from C: MyArray's memory goes to a printing allocator,
 * `foo(a) = a * 2 + a` makes two allocations and frees one; the result is
 * freed when the host releases it. */
#include <stdio.h>
#include <stdlib.h>
#include "kiln.h"

static void *my_malloc(size_t size, void *data) {
    void *p = malloc(size);
    printf(">>> Malloc size=%zu data=%p -> %p\n", size, data, p);
    return p;
}

static void my_free(void *ptr, void *data) {
    printf(">>> Free ptr=%p data=%p\n", ptr, data);
    free(ptr);
}

int main(void) {
    kiln_vm *vm = kiln_vm_new();
    uint32_t my;
    ExternalMemAllocator table = {my_malloc, NULL, my_free, NULL};
    if (!vm || kiln_register_array_type(vm, "MyArray", 0, &my) != KILN_OK ||
        kiln_set_external_allocator(vm, my, &table) != KILN_OK) {
        fprintf(stderr, "%s\n", kiln_last_error(NULL));
        return 1;
    }

    kiln_module *m = kiln_load(vm, "foo.py", "def foo(a):\n    return a * 2 + a\n");
    if (!m) {
        fprintf(stderr, "%s", kiln_last_error(vm));
        return 1;
    }
    int64_t buf[4] = {0, 1, 2, 3};
    size_t shape[1] = {4};
    kiln_array *a = kiln_array_new(vm, KILN_INT64, 1, shape, buf, my);
    kiln_value arg = {KILN_ARRAY, 0, 0.0, a};
    kiln_value result;
    if (kiln_call(vm, m, "foo", &arg, 1, &result) != KILN_OK) {
        fprintf(stderr, "%s", kiln_last_error(vm));
        return 1;
    }
    char *s = kiln_array_str(result.array);
    printf("foo(a) = %s\n", s);
    kiln_string_free(s);
    kiln_array_release(a);
    printf("releasing the result\n");
    kiln_array_release(result.array);

    /* Errors come back as text, and the VM stays usable. */
    kiln_module *bad = kiln_load(vm, "bad.py", "def f(x):\n    return x[10]\n");
    double one[1] = {1.0};
    size_t one_shape[1] = {1};
    kiln_array *small = kiln_array_new(vm, KILN_FLOAT64, 1, one_shape, one, 0);
    kiln_value barg = {KILN_ARRAY, 0, 0.0, small};
    if (kiln_call(vm, bad, "f", &barg, 1, &result) == KILN_E_SCRIPT) {
        printf("error: %s", kiln_last_error(vm));
    }
    kiln_array_release(small);
    kiln_module_free(bad);
    kiln_module_free(m);
    kiln_vm_free(vm);
    return 0;
}
