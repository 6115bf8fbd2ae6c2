#ifndef OCSPD_CCURL_SHIM_H
#define OCSPD_CCURL_SHIM_H
#include <curl/curl.h>
#endif
