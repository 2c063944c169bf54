/* SPDX-License-Identifier: Apache-2.0 */
/* speexdsp: echo canceller, preprocessor (denoise, AGC, VAD) and resampler. */
#ifndef CSPEEXDSP_SHIM_H
#define CSPEEXDSP_SHIM_H
#include <speex/speex_echo.h>
#include <speex/speex_preprocess.h>
#include <speex/speex_resampler.h>
#endif
