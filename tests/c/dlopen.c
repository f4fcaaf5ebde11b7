/* Loads libkiln.so at run time (argv[1]) with dlopen, as a plugin host or
 * a language's foreign-function interface would, and calls a script
 * through the symbols it finds: the header's types, no link-time kiln. */
#include <dlfcn.h>
#include <stdio.h>
#include "kiln.h"

#define LOOKUP(lib, name) ((__typeof__(&name))dlsym(lib, #name))

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: dlopen LIBKILN_SO\n");
        return 2;
    }
    void *lib = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    __typeof__(&kiln_vm_new) vm_new = LOOKUP(lib, kiln_vm_new);
    __typeof__(&kiln_load) load = LOOKUP(lib, kiln_load);
    __typeof__(&kiln_call) call = LOOKUP(lib, kiln_call);
    __typeof__(&kiln_last_error) last_error = LOOKUP(lib, kiln_last_error);
    __typeof__(&kiln_module_free) module_free = LOOKUP(lib, kiln_module_free);
    __typeof__(&kiln_vm_free) vm_free = LOOKUP(lib, kiln_vm_free);
    if (!vm_new || !load || !call || !last_error || !module_free || !vm_free) {
        fprintf(stderr, "dlsym: %s\n", dlerror());
        return 1;
    }
    kiln_vm *vm = vm_new();
    kiln_module *m = load(vm, "add.py", "def add(a, b):\n    return a * b + 1\n");
    kiln_value args[2] = {{KILN_INT, 6, 0.0, NULL}, {KILN_INT, 7, 0.0, NULL}};
    kiln_value r;
    if (!m || call(vm, m, "add", args, 2, &r) != KILN_OK) {
        fprintf(stderr, "%s\n", last_error(NULL));
        return 1;
    }
    printf("add(6, 7) = %lld\n", (long long)r.i);
    if (call(vm, m, "nope", args, 2, &r) != KILN_E_ARG) {
        return 1;
    }
    printf("error: %s\n", last_error(NULL));
    module_free(m);
    vm_free(vm);
    return dlclose(lib);
}
