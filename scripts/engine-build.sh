#!/usr/bin/env bash
# engine-build.sh builds (once) and caches the Ollama binary that the
# end-to-end tests use as a real self-hosted inference engine, and generates
# the tiny test model next to it.
#
# Ollama is built from the Go module proxy with `go install`, never added to
# our go.mod: it is a tool we measure, not a dependency of inferbench. The
# build is skipped when the cached binary exists and the flags it was built
# with match the current ones, so a warm run takes seconds.
#
# Environment:
#   INFERBENCH_ENGINE_CACHE  cache dir (default ${XDG_CACHE_HOME:-$HOME/.cache}/inferbench/engine)
#   OLLAMA_VERSION           Ollama module version (default 0.17.4)
#   ENGINE_MODEL_SEED        seed for the generated model (default 1)
#   ENGINE_SKIP_APT=1        never call apt-get (fail instead when headers are missing)
set -euo pipefail

start=$(date +%s)
repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${INFERBENCH_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/inferbench/engine}
version=${OLLAMA_VERSION:-0.17.4}
seed=${ENGINE_MODEL_SEED:-1}
bin_dir=$cache/bin
inc_dir=$cache/include
bin=$bin_dir/ollama
stamp=$bin_dir/ollama.build-flags

log() { printf 'engine-build: %s\n' "$*" >&2; }

# ---- C headers the module zip lacks (its vendor/ folders are not in it) ----
need_apt=()
[ -f /usr/include/nlohmann/json.hpp ] && [ -f /usr/include/nlohmann/json_fwd.hpp ] || need_apt+=(nlohmann-json3-dev)
[ -f /usr/include/stb/stb_image.h ] || need_apt+=(libstb-dev)

# miniaudio is not packaged in Debian 12. llama.cpp's mtmd-helper.cpp includes
# it only to decode audio for multimodal models; text models never reach that
# code, so a stub whose decoder always fails is enough to compile and link.
mkdir -p "$inc_dir/miniaudio" "$bin_dir"
stub=$inc_dir/miniaudio/miniaudio.h
stub_body='/* Stub of miniaudio.h for building Ollama without its vendored copy.
 * Audio decoding always fails (MA_ERROR); text-only models never call it. */
#ifndef INFERBENCH_MINIAUDIO_STUB_H
#define INFERBENCH_MINIAUDIO_STUB_H
#include <stddef.h>
#include <stdint.h>
#ifndef MA_API
#define MA_API static
#endif
typedef int ma_result;
typedef uint32_t ma_uint32;
typedef uint64_t ma_uint64;
#define MA_SUCCESS 0
#define MA_ERROR (-1)
typedef enum { ma_format_unknown = 0, ma_format_f32 = 5 } ma_format;
typedef enum { ma_encoding_format_unknown = 0, ma_encoding_format_wav } ma_encoding_format;
typedef struct { ma_format format; ma_uint32 channels; ma_uint32 sampleRate; } ma_decoder_config;
typedef struct { int unused; } ma_decoder;
typedef struct { ma_encoding_format encodingFormat; ma_format format; ma_uint32 channels; ma_uint32 sampleRate; } ma_encoder_config;
typedef struct { int unused; } ma_encoder;
static inline ma_decoder_config ma_decoder_config_init(ma_format f, ma_uint32 c, ma_uint32 r) { ma_decoder_config k; k.format = f; k.channels = c; k.sampleRate = r; return k; }
static inline ma_result ma_decoder_init_memory(const void *b, size_t n, const ma_decoder_config *c, ma_decoder *d) { (void)b; (void)n; (void)c; (void)d; return MA_ERROR; }
static inline ma_result ma_decoder_get_length_in_pcm_frames(ma_decoder *d, ma_uint64 *n) { (void)d; *n = 0; return MA_ERROR; }
static inline ma_result ma_decoder_read_pcm_frames(ma_decoder *d, void *o, ma_uint64 n, ma_uint64 *r) { (void)d; (void)o; (void)n; *r = 0; return MA_ERROR; }
static inline ma_result ma_decoder_uninit(ma_decoder *d) { (void)d; return MA_SUCCESS; }
static inline ma_encoder_config ma_encoder_config_init(ma_encoding_format e, ma_format f, ma_uint32 c, ma_uint32 r) { ma_encoder_config k; k.encodingFormat = e; k.format = f; k.channels = c; k.sampleRate = r; return k; }
static inline ma_result ma_encoder_init_file(const char *p, const ma_encoder_config *c, ma_encoder *e) { (void)p; (void)c; (void)e; return MA_ERROR; }
static inline ma_result ma_encoder_write_pcm_frames(ma_encoder *e, const void *f, ma_uint64 n, ma_uint64 *w) { (void)e; (void)f; (void)n; *w = 0; return MA_ERROR; }
static inline void ma_encoder_uninit(ma_encoder *e) { (void)e; }
#endif'
if [ ! -f "$stub" ] || [ "$(cat "$stub")" != "$stub_body" ]; then
	printf '%s\n' "$stub_body" >"$stub"
fi

ldflags="-s -w -X github.com/ollama/ollama/version.Version=$version"
cppflags="-I$inc_dir"
stub_sum=$(sha256sum "$stub" | cut -d' ' -f1)
want="version=$version
go=$(go env GOVERSION)
goos_goarch=$(go env GOOS)/$(go env GOARCH)
ldflags=$ldflags
goflags=-trimpath
cgo_cppflags=$cppflags
stub=$stub_sum"

if [ -x "$bin" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
	log "cached ollama $version at $bin (flags unchanged)"
else
	if [ ${#need_apt[@]} -gt 0 ]; then
		if [ "${ENGINE_SKIP_APT:-0}" = 1 ] || ! command -v apt-get >/dev/null; then
			log "missing C headers; install: ${need_apt[*]}"
			exit 1
		fi
		sudo=""
		[ "$(id -u)" = 0 ] || sudo=sudo
		log "installing ${need_apt[*]}"
		if ! $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null; then
			$sudo apt-get update -qq
			$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
		fi
	fi
	log "building ollama $version with cgo (about 7 minutes on 2 cores from a cold cache)"
	rm -f "$stamp"
	# GOTOOLCHAIN=local: build with the installed Go (Ollama needs >= 1.24.1)
	# rather than downloading another toolchain. GOFLAGS is replaced so a
	# caller's -mod=vendor or similar cannot leak into a module-mode install.
	env GOBIN="$bin_dir" GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=1 \
		CGO_CPPFLAGS="$cppflags" \
		go install -trimpath -ldflags "$ldflags" "github.com/ollama/ollama@v$version"
	printf '%s\n' "$want" >"$stamp"
fi

# ---- the test models (cheap: regenerated every time, deterministic) ----
(cd "$repo" && go run ./cmd/mkmodel -seed "$seed" -out "$cache/tiny.gguf") >&2
(cd "$repo" && go run ./cmd/mkmodel -seed "$seed" -large -out "$cache/large.gguf") >&2

log "ready in $(($(date +%s) - start))s: $bin (version $("$bin" --version 2>&1 | sed -n "s/.*client version is //p"))"
