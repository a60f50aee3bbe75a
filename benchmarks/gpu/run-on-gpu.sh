#!/usr/bin/env bash
# Runs the WebGPU benchmarks (Tessera backend-webgpu beside tfjs-backend-webgpu) on a machine with
# a real GPU, through Dawn (the `webgpu` npm package) on Vulkan. Expected there: Node 20+, pnpm,
# this repository with its dependencies installed (or installable offline), and the NVIDIA
# driver with its Vulkan ICD (nvidia_icd.json). The Vulkan loader (libvulkan1) is installed when
# missing: from .gl/*.deb when present (see the device tool's README), else with apt-get.
#
#   benchmarks/gpu/run-on-gpu.sh          # results in benchmarks/results/gpu/, or in $OUT when set
#
# Environment: OUT (results folder), BENCH_ARGS (more arguments for run.ts, e.g. --quick),
# TESSERA_ALLOW_SOFTWARE=1 (keep a SwiftShader VK_ICD_FILENAMES: to try the script on a machine
# without a GPU; the times then mean nothing).
#
# Writes: webgpu.json / webgpu.txt (the suite's tables), bench.json / bench.txt (the runner's
# output), bench.log (everything printed), adapter.txt and nvidia-smi.txt.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
out=${OUT:-$root/benchmarks/results/gpu}
mkdir -p "$out"
log() { printf '[run-on-gpu] %s\n' "$*" | tee -a "$out/bench.log" >&2; }
: >"$out/bench.log"

# 1. The Vulkan loader.
if ! ldconfig -p | grep -q 'libvulkan.so.1'; then
  if compgen -G '.gl/*.deb' >/dev/null; then
    log 'unpacking the Vulkan loader from .gl/*.deb'
    for f in .gl/*.deb; do dpkg -x "$f" /; done
    ldconfig
  else
    log 'installing libvulkan1 with apt-get'
    apt-get update -qq && apt-get install -y -qq --no-install-recommends libvulkan1
  fi
fi

# 2. The NVIDIA Vulkan driver (ICD); never SwiftShader's here.
if [[ "${VK_ICD_FILENAMES:-}" == *swiftshader* && "${TESSERA_ALLOW_SOFTWARE:-}" != 1 ]]; then
  log "ignoring VK_ICD_FILENAMES=$VK_ICD_FILENAMES (SwiftShader: a CPU rasterizer)"
  unset VK_ICD_FILENAMES
fi
if [[ -z "${VK_ICD_FILENAMES:-}${VK_DRIVER_FILES:-}" ]]; then
  for f in /usr/share/vulkan/icd.d/nvidia_icd.json /etc/vulkan/icd.d/nvidia_icd.json \
           /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json; do
    if [[ -f "$f" ]]; then export VK_DRIVER_FILES="$f"; log "Vulkan ICD: $f"; break; fi
  done
fi
nvidia-smi >"$out/nvidia-smi.txt" 2>&1 || log 'nvidia-smi not found (no NVIDIA driver?)'

# 3. Two ways to run: with this repository's dependencies (pnpm, node_modules), or, on a machine
#    that reaches no package registry, from the folder bundle.sh made (benchmarks/gpu/.bundle:
#    the suites bundled, Dawn's addon and a Node binary).
bundle=$root/benchmarks/gpu/.bundle
if [[ ! -d node_modules && -f "$bundle/bench.mjs" ]]; then
  log "no node_modules: running the bundle of commit $(cat "$bundle/commit.txt")"
  run=$(mktemp -d)
  cp -r "$bundle"/. "$run"/
  xz -d -c "$bundle/dawn.node.xz" >"$run/node_modules/webgpu/dist/linux-x64/dawn.node"
  if command -v node >/dev/null && node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)'; then
    node=node
  else
    xz -d -c "$bundle/node.xz" >"$run/node" && chmod +x "$run/node" && node=$run/node
  fi
  log "node $("$node" --version)"
  (cd "$run" && "$node" -e "
    import('webgpu').then(async ({ create, globals }) => {
      Object.assign(globalThis, globals);
      const a = await create(['backend=vulkan']).requestAdapter({ powerPreference: 'high-performance' });
      if (!a) { console.log('no adapter'); process.exit(2); }
      const i = a.info;
      console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' '));
      process.exit(0);
    });
  ") >"$out/adapter.txt" 2>>"$out/bench.log" || { log "Dawn found no WebGPU adapter ($(cat "$out/adapter.txt")): stopping"; exit 1; }
  log "adapter: $(cat "$out/adapter.txt")"
  if grep -qi swiftshader "$out/adapter.txt" && [[ "${TESSERA_ALLOW_SOFTWARE:-}" != 1 ]]; then
    log 'Dawn picked SwiftShader, not the GPU: stopping (TESSERA_ALLOW_SOFTWARE=1 to go on)'; exit 1
  fi
  export TESSERA_WEBGPU_BENCH_JSON="$out/webgpu.json"
  set -o pipefail
  # shellcheck disable=SC2086
  (cd "$run" && "$node" bench-tiles.mjs ${TILE_ARGS:-}) 2>&1 | tee "$out/tiles.txt" | tee -a "$out/bench.log"
  # shellcheck disable=SC2086
  (cd "$run" && "$node" bench.mjs ${BENCH_ARGS:-}) 2>&1 | tee -a "$out/bench.log"
  log "done: $out"
  exit 0
fi

# 3. Dependencies (pnpm install only when node_modules is missing; offline first).
if [[ ! -d node_modules ]]; then
  log 'node_modules missing: pnpm install'
  pnpm install --frozen-lockfile --prefer-offline
fi

# 4. Which adapter Dawn finds: the suite refuses nothing, but a software adapter makes times meaningless.
(cd benchmarks && node -e "
  const { create, globals } = require('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create(['backend=vulkan']);
  gpu.requestAdapter({ powerPreference: 'high-performance' }).then((a) => {
    if (!a) { console.log('no adapter'); process.exit(2); }
    const i = a.info;
    console.log([i.vendor, i.architecture, i.device, i.description].filter(Boolean).join(' '));
    process.exit(0);
  });
") >"$out/adapter.txt" 2>>"$out/bench.log" || { log "Dawn found no WebGPU adapter ($(cat "$out/adapter.txt")): stopping"; exit 1; }
log "adapter: $(cat "$out/adapter.txt")"
if grep -qi swiftshader "$out/adapter.txt"; then
  log 'WARNING: Dawn picked SwiftShader, not the GPU: times will mean nothing (check the ICD above)'
fi

# 5. The benchmarks: `pnpm bench` builds the packages first (turbo), then runs benchmarks/run.ts.
export TESSERA_WEBGPU_BENCH_JSON="$out/webgpu.json"
set -o pipefail
# shellcheck disable=SC2086
pnpm bench -- --only webgpu --out "$out/bench.json" ${BENCH_ARGS:-} 2>&1 | tee -a "$out/bench.log"
log "done: $out"
