#!/usr/bin/env python3
"""Expected values of the nn conformance cases, computed by PyTorch in float64.

Run with Debian's PyTorch (`apt-get install -y python3-torch`):

    /usr/bin/python3 packages/conformance/scripts/gen-nn-expected.py

It rewrites the block between `// BEGIN GENERATED` and `// END GENERATED` in
`src/cases/nn.ts`. Inputs are `seq(shape, salt)` below, which the TypeScript cases rebuild
bit for bit (every value is a multiple of 1/8, exact in float32).
"""
import json
import os
import re

import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)


def seq(shape, salt):
    n = 1
    for d in shape:
        n *= d
    values = [((i * 37 + salt * 11) % 23 - 11) / 8 for i in range(n)]
    return torch.tensor(values).reshape(shape)


def rnd(t):
    return json.loads(json.dumps([float(f'{v:.9g}') for v in t.detach().flatten().tolist()]))


cases = {}


def case(name, t):
    cases[name] = {'shape': list(t.shape), 'values': rnd(t)}


def conv_grads(name, x, w, dy_salt, **kw):
    x = x.clone().requires_grad_(True)
    w = w.clone().requires_grad_(True)
    y = F.conv2d(x, w, **kw)
    dy = seq(list(y.shape), dy_salt)
    (y * dy).sum().backward()
    case(name + '.dx', x.grad)
    case(name + '.dw', w.grad)


# ---- conv2d
x = seq([2, 3, 5, 5], 1); w = seq([4, 3, 3, 3], 2); b = seq([4], 3)
case('conv2d.basic', F.conv2d(x, w, b, stride=1, padding=1))
x = seq([1, 2, 6, 7], 4); w = seq([3, 2, 2, 3], 5)
# padding [top, bottom, left, right] = [1, 0, 2, 1]; F.pad takes (left, right, top, bottom)
case('conv2d.asym', F.conv2d(F.pad(x, (2, 1, 1, 0)), w, stride=(2, 1), dilation=(1, 2)))
x = seq([1, 4, 4, 4], 6); w = seq([6, 2, 2, 3], 7)
case('conv2d.same', F.conv2d(x, w, padding='same', dilation=(1, 2), groups=2))
x = seq([1, 3, 4, 4], 8); w = seq([3, 1, 3, 3], 9)
case('conv2d.depthwise', F.conv2d(x, w, stride=2, padding=1, groups=3))
x = seq([3, 4, 4], 10); w = seq([2, 3, 2, 2], 11)
case('conv2d.unbatched', F.conv2d(x, w))
# ---- conv1d
x = seq([2, 2, 7], 12); w = seq([3, 2, 3], 13); b = seq([3], 14)
case('conv1d.basic', F.conv1d(x, w, b, stride=2, padding=1))
x = seq([1, 2, 6], 15); w = seq([2, 1, 2], 16)
case('conv1d.same', F.conv1d(x, w, padding='same', dilation=3, groups=2))
# ---- conv backprop (gradients of sum(conv2d(x, w) * dy))
conv_grads('conv2d.grad', seq([2, 2, 5, 6], 17), seq([3, 2, 3, 2], 18), 19, stride=(2, 1), padding=(1, 0), dilation=(1, 2))
conv_grads('conv2d.gradGroups', seq([1, 4, 5, 5], 20), seq([2, 2, 3, 3], 21), 22, stride=2, padding=1, groups=2)
# ---- convTranspose2d (PyTorch weight layout [inC, outC/groups, kH, kW])
x = seq([1, 2, 3, 3], 23); w = seq([2, 3, 3, 3], 24); b = seq([3], 25)
case('convTranspose2d.basic', F.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1))
x = seq([2, 4, 3, 2], 26); w = seq([4, 1, 2, 2], 27)
case('convTranspose2d.groups', F.conv_transpose2d(x, w, stride=(1, 2), groups=2, dilation=(2, 1)))
# ---- pooling
x = seq([1, 2, 5, 5], 28)
case('maxPool2d.pad', F.max_pool2d(x, 3, stride=2, padding=1))
case('maxPool2d.ceil', F.max_pool2d(x, 2, stride=2, ceil_mode=True))
case('maxPool2d.dilation', F.max_pool2d(x, 2, stride=1, dilation=2))
xg = x.clone().requires_grad_(True)
y = F.max_pool2d(xg, 3, stride=2, padding=1)
(y * seq(list(y.shape), 29)).sum().backward()
case('maxPool2d.grad', xg.grad)
case('avgPool2d.pad', F.avg_pool2d(x, 3, stride=2, padding=1))
case('avgPool2d.padExclude', F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False))
case('avgPool2d.ceil', F.avg_pool2d(x, 2, stride=2, ceil_mode=True))
x6 = seq([1, 1, 6, 6], 30)
case('avgPool2d.ceilPad', F.avg_pool2d(x6, 3, stride=2, padding=1, ceil_mode=True))
case('avgPool2d.ceilPadExclude', F.avg_pool2d(x6, 3, stride=2, padding=1, ceil_mode=True, count_include_pad=False))
xg = x.clone().requires_grad_(True)
y = F.avg_pool2d(xg, 3, stride=2, padding=1)
(y * seq(list(y.shape), 31)).sum().backward()
case('avgPool2d.grad', xg.grad)
# ---- adaptive average pooling
case('adaptiveAvgPool2d.general', F.adaptive_avg_pool2d(seq([1, 2, 5, 7], 32), (3, 4)))
case('adaptiveAvgPool2d.divisible', F.adaptive_avg_pool2d(seq([2, 1, 4, 6], 33), (2, 3)))
case('adaptiveAvgPool2d.up', F.adaptive_avg_pool2d(seq([1, 1, 3, 2], 34), (5, 3)))
# ---- resize
case('resize.nearestDown', F.interpolate(seq([1, 1, 3, 5], 35), size=(5, 3), mode='nearest'))
case('resize.nearestUp', F.interpolate(seq([1, 2, 2, 3], 36), size=(4, 7), mode='nearest'))
case('resize.bilinear', F.interpolate(seq([1, 1, 3, 4], 37), size=(5, 7), mode='bilinear', align_corners=False))
case('resize.bilinearDown', F.interpolate(seq([1, 2, 5, 6], 38), size=(2, 3), mode='bilinear', align_corners=False))
case('resize.bilinearCorners', F.interpolate(seq([1, 1, 3, 4], 39), size=(5, 2), mode='bilinear', align_corners=True))
# ---- softmax family and layerNorm
x = seq([2, 3, 4], 40)
case('softmax.last', F.softmax(x, -1))
case('softmax.axis1', F.softmax(x, 1))
case('logSoftmax.last', F.log_softmax(x, -1))
case('logSoftmax.axis0', F.log_softmax(x, 0))
case('layerNorm.affine', F.layer_norm(x, [3, 4], seq([3, 4], 41), seq([3, 4], 42), eps=1e-5))
case('layerNorm.last', F.layer_norm(x, [4], eps=1e-3))
# ---- matmul with broadcast batch
case('matmul.broadcast', torch.matmul(seq([2, 1, 3, 4], 43), seq([3, 4, 2], 44)))

lines = ['// BEGIN GENERATED by scripts/gen-nn-expected.py (PyTorch %s, float64); do not edit by hand' % torch.__version__,
         'const TORCH: Record<string, { shape: number[]; values: number[] }> = {']
for name, c in cases.items():
    lines.append(f"  '{name}': {{ shape: {json.dumps(c['shape'])}, values: {json.dumps(c['values'])} }},")
lines.append('};')
lines.append('// END GENERATED')
block = '\n'.join(lines)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'src', 'cases', 'nn.ts')
src = open(path).read()
new = re.sub(r'// BEGIN GENERATED.*?// END GENERATED', lambda _: block, src, flags=re.S)
if new == src and '// BEGIN GENERATED' not in src:
    raise SystemExit('nn.ts has no GENERATED block')
open(path, 'w').write(new)
print(f'wrote {len(cases)} cases into {os.path.relpath(path)}')
