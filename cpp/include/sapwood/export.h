/* Symbol visibility for sapwood's public API: exported when the shared library is
 * built, imported by its users on Windows, and nothing special for the static core. */
#ifndef SAPWOOD_EXPORT_H
#define SAPWOOD_EXPORT_H

#if defined(SAPWOOD_STATIC)
#define SAPWOOD_API
#elif defined(_WIN32)
#if defined(SAPWOOD_BUILDING)
#define SAPWOOD_API __declspec(dllexport)
#else
#define SAPWOOD_API __declspec(dllimport)
#endif
#else
#define SAPWOOD_API __attribute__((visibility("default")))
#endif

#endif /* SAPWOOD_EXPORT_H */
