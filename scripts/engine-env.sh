# engine-env.sh is sourced by the engine-*.sh scripts: one place for the
# defaults they share. Every value can be overridden from the environment.
#
#   INFERBENCH_ENGINE_CACHE  build cache: ollama binary and generated models
#   ENGINE_PORT              loopback port of the server (default 11534, not Ollama's 11434)
#   ENGINE_VARIANT           tiny (default) or large
#   ENGINE_MODEL_NAME        name the model is created under (default inferbench-$ENGINE_VARIANT)
#   ENGINE_DIR               scratch HOME/OLLAMA_MODELS/logs/PID file of one server
#   ENGINE_NUM_PARALLEL      OLLAMA_NUM_PARALLEL (default 4; Ollama's 1 would queue everything)
ENGINE_CACHE=${INFERBENCH_ENGINE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/inferbench/engine}
ENGINE_BIN=${ENGINE_BIN:-$ENGINE_CACHE/bin/ollama}
ENGINE_PORT=${ENGINE_PORT:-11534}
ENGINE_VARIANT=${ENGINE_VARIANT:-tiny}
ENGINE_MODEL_NAME=${ENGINE_MODEL_NAME:-inferbench-$ENGINE_VARIANT}
ENGINE_MODEL=${ENGINE_MODEL:-$ENGINE_CACHE/$ENGINE_VARIANT.gguf}
ENGINE_DIR=${ENGINE_DIR:-${TMPDIR:-/tmp}/inferbench-engine-$ENGINE_PORT}
ENGINE_NUM_PARALLEL=${ENGINE_NUM_PARALLEL:-4}
ENGINE_HOST=127.0.0.1:$ENGINE_PORT
ENGINE_URL=http://$ENGINE_HOST
ENGINE_PIDFILE=$ENGINE_DIR/ollama.pid
ENGINE_LOG=$ENGINE_DIR/serve.log
