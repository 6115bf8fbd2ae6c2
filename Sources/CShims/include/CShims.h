#ifndef OCSPD_CSHIMS_H
#define OCSPD_CSHIMS_H

#include <curl/curl.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs7.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stddef.h>

// curl_easy_setopt and curl_easy_getinfo are variadic, which Swift cannot call.
// One typed wrapper per argument kind, as curl documents each option's type.
CURLcode ocspd_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ocspd_curl_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ocspd_curl_setopt_pointer(CURL *handle, CURLoption option, const void *value);
CURLcode ocspd_curl_setopt_write_function(CURL *handle,
    size_t (*callback)(char *data, size_t size, size_t count, void *userdata));
CURLcode ocspd_curl_setopt_xferinfo_function(CURL *handle,
    int (*callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow));
CURLcode ocspd_curl_setopt_opensocket_function(CURL *handle,
    curl_socket_t (*callback)(void *userdata, curlsocktype purpose, struct curl_sockaddr *address));
CURLcode ocspd_curl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ocspd_curl_getinfo_off_t(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ocspd_curl_getinfo_string(CURL *handle, CURLINFO info, const char **value);

// OpenSSL macros with no function underneath.
void ocspd_openssl_free(void *pointer);
long ocspd_bio_get_mem_data(BIO *bio, const char **data);
// X509_NAME_print_ex flags: RFC 4514 order and escaping (UTF-8 kept), and OpenSSL's one-line form.
unsigned long ocspd_name_flags_rfc4514(void);
unsigned long ocspd_name_flags_oneline(void);
// TLS client macros: protocol range, SNI, and the status_request (OCSP stapling) extension.
int ocspd_ssl_ctx_set_protocol_range(SSL_CTX *ctx, int minimum, int maximum);
int ocspd_ssl_set_server_name(SSL *ssl, const char *name);
int ocspd_ssl_request_status(SSL *ssl);
// The stapled OCSP response the server sent (borrowed), or a negative length when none.
long ocspd_ssl_stapled_response(SSL *ssl, const unsigned char **response);
// The certificates of a PKCS#7 SignedData (certs-only) structure, borrowed; NULL for other types.
STACK_OF(X509) *ocspd_pkcs7_certificates(PKCS7 *p7);

#endif
