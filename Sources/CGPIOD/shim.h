/* SPDX-License-Identifier: Apache-2.0 */
/* libgpiod, v2 API (Debian 13, bookworm-backports). Version 1.x has a different API and is refused. */
#ifndef CGPIOD_SHIM_H
#define CGPIOD_SHIM_H
#include <gpiod.h>
#endif
