/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What Swift cannot import from libcurl directly.
 *
 * curl_easy_setopt() and curl_easy_getinfo() are variadic, so Swift cannot call them: each is
 * wrapped once per argument type, as swift-corelibs-foundation's CFURLSessionInterface does.
 * CURLVERSION_NOW is a macro aliasing an enum constant, so curl_version_info() gets a plain wrapper.
 * The header callback is set together with its user pointer, so the two cannot go out of step.
 */
#ifndef CCURL_SHIM_H
#define CCURL_SHIM_H

#include <curl/curl.h>
#include <curl/websockets.h>

static inline CURLcode ccurl_easy_setopt_long(CURL *handle, CURLoption option, long value)
{
	return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_string(CURL *handle, CURLoption option, const char *value)
{
	return curl_easy_setopt(handle, option, value);
}

static inline CURLcode ccurl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *list)
{
	return curl_easy_setopt(handle, option, list);
}

static inline CURLcode ccurl_easy_setopt_header_callback(CURL *handle, curl_write_callback callback, void *userdata)
{
	CURLcode result = curl_easy_setopt(handle, CURLOPT_HEADERFUNCTION, callback);
	if (result != CURLE_OK)
		return result;
	return curl_easy_setopt(handle, CURLOPT_HEADERDATA, userdata);
}

static inline CURLcode ccurl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value)
{
	return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value)
{
	return curl_easy_getinfo(handle, info, value);
}

static inline CURLcode ccurl_easy_getinfo_socket(CURL *handle, CURLINFO info, curl_socket_t *value)
{
	return curl_easy_getinfo(handle, info, value);
}

static inline const curl_version_info_data *ccurl_version_info_now(void)
{
	return curl_version_info(CURLVERSION_NOW);
}

#endif /* CCURL_SHIM_H */
