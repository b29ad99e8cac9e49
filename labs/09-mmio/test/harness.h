// harness.h: the lab-9 harness's pieces that live in separate files.
#ifndef LAB9_HARNESS_H
#define LAB9_HARNESS_H

// registry.c: the "registry" test (mmio_register / mmio_find, no guest).
void test_registry(void);
// uart_irq.c: the "uart_irq" test (the UART's interrupt line, no guest).
void test_uart_irq(ulong seed);

#endif
