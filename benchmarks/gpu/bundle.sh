#!/usr/bin/env bash
# Packs the WebGPU benchmark into benchmarks/gpu/.bundle/ (ignored by git) for a GPU machine that
# reaches no package registry: the suite bundled into one ES module (esbuild), Dawn's Node addon
# (dawn.node from the `webgpu` package) and this machine's Node binary, xz-compressed so the
# whole folder travels in well under 64 MiB. run-on-gpu.sh uses it when node_modules is absent.
#
#   benchmarks/gpu/bundle.sh            # then carry benchmarks/gpu/.bundle to the GPU machine
set -euo pipefail
cd "$(dirname "$0")/../.."
out=benchmarks/gpu/.bundle
rm -rf "$out" && mkdir -p "$out"
esbuild=$(node -e "process.stdout.write(require.resolve('esbuild/bin/esbuild', { paths: [require.resolve('tsx', { paths: ['benchmarks'] })] }))")
"$esbuild" benchmarks/gpu/entry.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=@tessera/source --main-fields=module,main --external:webgpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --log-level=warning --outfile="$out/bench.mjs"
"$esbuild" benchmarks/gpu/matmul-tiles.ts --bundle --platform=node --format=esm --target=node20 \
  --conditions=@tessera/source --main-fields=module,main --external:webgpu \
  --banner:js="import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" \
  --log-level=warning --outfile="$out/bench-tiles.mjs"
# The `webgpu` package's loader, with its addon beside it, as a tiny module the bundle imports.
webgpu_dir=$(node -e "process.stdout.write(require('path').dirname(require.resolve('webgpu/package.json', { paths: ['benchmarks'] })))")
mkdir -p "$out/node_modules/webgpu/dist/linux-x64"
cp "$webgpu_dir/package.json" "$out/node_modules/webgpu/"
cp "$webgpu_dir/index.js" "$out/node_modules/webgpu/"
xz -T0 -6 -c "$webgpu_dir/dist/linux-x64/dawn.node" >"$out/dawn.node.xz"
xz -T0 -6 -c "$(readlink -f "$(command -v node)")" >"$out/node.xz"
git rev-parse --short HEAD >"$out/commit.txt"
du -sh "$out"
