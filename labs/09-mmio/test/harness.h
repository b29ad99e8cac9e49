// harness.h: the lab-9 harness's pieces that live in separate files.
#ifndef LAB9_HARNESS_H
#define LAB9_HARNESS_H

// registry.c: the "registry" test (mmio_register / mmio_find, no guest).
void test_registry(void);

#endif
