#!/usr/bin/env bash
# The GPU figures of docs/gpu.md on a machine that has a GPU but no node, no npm and no
# network. Two halves:
#   scripts/gpu-measure.sh prepare   here (node_modules installed): writes .gpu-measure/ (about 55 MiB):
#                                    the engine bundled by esbuild with scripts/gpu-measure.ts as entry,
#                                    Dawn's addon (npm `webgpu`), this node binary (xz), the Vulkan
#                                    loader's .deb (apt-get download), all ignored by git.
#   scripts/gpu-measure.sh run       there, from the repository root, with .gpu-measure carried along:
#                                    unpacks node and the loader, then prints progress on stderr and one
#                                    JSON object (adapter, parity, kernels per update, training bytes/s
#                                    of bench and paper configs with and without dropout, generation).
# On the device tool: run(command="bash scripts/gpu-measure.sh run", carry=[".gpu-measure"], timeout_s=540).
# GPU_MEASURE_ONLY=parity,kernels,bench,paper,unfused,generate picks parts (default: all).
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=.gpu-measure

prepare() {
  rm -rf "$DIR" && mkdir -p "$DIR/node_modules/webgpu/dist/linux-x64" "$DIR/gl"
  grep -qs "^/$DIR/" .git/info/exclude 2>/dev/null || echo "/$DIR/" >> "$(git rev-parse --git-path info/exclude)"
  # Dawn's addon is loaded by path from its package: keep it outside the bundle, beside it.
  npx esbuild scripts/gpu-measure.ts --bundle --platform=node --format=esm --target=node20 \
    --external:webgpu --ignore-annotations --outfile="$DIR/measure.mjs" --log-level=warning \
    --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);"
  cp node_modules/webgpu/index.js node_modules/webgpu/package.json "$DIR/node_modules/webgpu/"
  cp node_modules/webgpu/dist/linux-x64/dawn.node "$DIR/node_modules/webgpu/dist/linux-x64/"
  xz -T2 -6 -c "$(command -v node)" > "$DIR/node.xz"
  # The GPU machine may lack the Vulkan loader (the NVIDIA driver brings only its ICD).
  (cd "$DIR/gl" && apt-get -qq download libvulkan1 2>/dev/null) || echo "note: libvulkan1 .deb not downloaded; the GPU machine must have the Vulkan loader"
  du -sh "$DIR"
}

run() {
  [ -f "$DIR/measure.mjs" ] || { echo "gpu-measure: $DIR/measure.mjs missing: run 'scripts/gpu-measure.sh prepare' first and carry $DIR" >&2; exit 1; }
  local bin=/tmp/gpu-measure-node
  if [ ! -x "$bin" ]; then
    if command -v xz >/dev/null; then xz -dc "$DIR/node.xz" > "$bin"
    else python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$DIR/node.xz" "$bin"; fi
    chmod +x "$bin"
  fi
  if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
    for f in "$DIR"/gl/*.deb; do [ -f "$f" ] && dpkg -x "$f" /; done
    ldconfig
  fi
  # The NVIDIA container runtime puts the ICD here when /usr/share/vulkan has none.
  if [ -z "${VK_DRIVER_FILES:-}" ] && ! ls /usr/share/vulkan/icd.d/nvidia* /etc/vulkan/icd.d/nvidia* >/dev/null 2>&1 \
     && [ -f /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json ]; then
    export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json
  fi
  command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader >&2 || true
  BGPT_BACKEND=webgpu "$bin" "$DIR/measure.mjs"
}

case "${1:-}" in
  prepare) prepare ;;
  run) run ;;
  *) echo "usage: scripts/gpu-measure.sh prepare|run" >&2; exit 2 ;;
esac
