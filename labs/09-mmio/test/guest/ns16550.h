// ns16550.h: the guest's polled 16550 driver.
#ifndef NS16550_H
#define NS16550_H

#include "types.h"

void ns16550_init(ulong base, u16 divisor);
void ns16550_putc(char c);
int  ns16550_getc(void);           // waits for a byte
void ns16550_puts(const char *s);  // "\n" goes out as "\r\n"

#endif
