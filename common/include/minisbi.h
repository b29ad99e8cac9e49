// minisbi.h: the kit's stand-in SBI for guests in labs 2-6, before you
// write your own in lab 7: console putchar/getchar, shutdown, and "not
// supported" for everything else.
#ifndef MINISBI_H
#define MINISBI_H

#include "types.h"

// Handle the VS ecall whose registers are in gprs (a7 = EID, a6 = FID,
// a0-a5 = arguments): writes a0/a1 and advances *sepc past the ecall.
// A shutdown request ends the run (hyp_shutdown) and does not return.
void minisbi_handle(ulong *gprs, ulong *sepc);

// Guest image embedded in this lab's hypervisor (common/hyp/guest_blob.S).
// Copies it to dest and returns its size in bytes.
ulong guest_image_load(ulong dest);
ulong guest_image_size(void);
extern const ulong guest_image_entry;   // the address it is linked to run at

#endif
