/* SPDX-License-Identifier: Apache-2.0 */
/* alsa-lib. The *_alloca macros cannot be imported: Swift code uses the *_malloc/*_free pairs. */
#ifndef CALSA_SHIM_H
#define CALSA_SHIM_H
#include <alsa/asoundlib.h>
#endif
