#!/usr/bin/python3
"""Exports the PyTorch models the importer's parity and gradient tests use (random weights,
seeded), with Debian's python3-torch / python3-torchvision:

- mobilenet_v2 and resnet18 (torchvision), opset 13 and 17, dynamic batch;
- a small nn.TransformerEncoder with a padding mask (opset 17: LayerNormalization, Gelu as Erf,
  MatMul, Softmax, Where/Expand from the mask logic; 84 kB, committed);
- a small CNN with BatchNorm, with a JSON fixture of PyTorch's outputs and parameter gradients
  in train and eval mode (fixtures/torch-cnn.json, committed; the .onnx is small and committed).

Usage: /usr/bin/python3 scripts/gen-torch-models.py OUT_DIR [--fixture FIXTURE_DIR]
Large models go to OUT_DIR (a cache, not committed); the CNN, its fixture and the transformer to
FIXTURE_DIR.
"""
import json
import os
import sys

import torch
import torch.nn as nn
import torchvision

out_dir = sys.argv[1]
fixture_dir = sys.argv[sys.argv.index('--fixture') + 1] if '--fixture' in sys.argv else None
os.makedirs(out_dir, exist_ok=True)


def export(model, args, path, opset, input_names, output_names, dynamic_axes):
    model.eval()
    torch.onnx.export(model, args, path, opset_version=opset, input_names=input_names,
                      output_names=output_names, dynamic_axes=dynamic_axes, do_constant_folding=True)
    print('wrote', path, os.path.getsize(path), 'bytes')


def vision(name, ctor):
    torch.manual_seed(0)
    model = ctor(weights=None)
    # Non-trivial BatchNorm statistics so eval-mode BN is really exercised.
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
    x = torch.randn(1, 3, 64, 64)
    for opset in (13, 17):
        export(model, (x,), os.path.join(out_dir, f'{name}_opset{opset}.onnx'), opset, ['input'], ['logits'],
               {'input': {0: 'batch'}, 'logits': {0: 'batch'}})


def transformer(target):
    torch.manual_seed(0)

    class Encoder(nn.Module):
        def __init__(self):
            super().__init__()
            layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.1,
                                               activation='gelu', batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2)
            self.head = nn.Linear(32, 5)

        def forward(self, x, mask):
            return self.head(self.encoder(x, src_key_padding_mask=mask))

    model = Encoder()
    x = torch.randn(2, 7, 32)
    mask = torch.zeros(2, 7, dtype=torch.bool)
    mask[1, 5:] = True
    export(model, (x, mask), os.path.join(target, 'transformer-encoder.onnx'), 17, ['x', 'mask'], ['y'],
           {'x': {0: 'batch', 1: 'seq'}, 'mask': {0: 'batch', 1: 'seq'}, 'y': {0: 'batch', 1: 'seq'}})


class SmallCnn(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 8, 3, stride=2, padding=1, groups=2)
        self.bn2 = nn.BatchNorm2d(8)
        self.fc = nn.Linear(8, 4)

    def forward(self, x):
        x = torch.relu(self.bn1(self.conv1(x)))
        x = nn.functional.hardswish(self.bn2(self.conv2(x)))
        x = nn.functional.adaptive_avg_pool2d(x, 1).flatten(1)
        return self.fc(x)


def cnn_fixture(fdir):
    os.makedirs(fdir, exist_ok=True)
    torch.manual_seed(1)
    model = SmallCnn()
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.5, 1.5)
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.2, 0.2)
    x = torch.randn(4, 3, 8, 8)
    u = torch.randn(4, 4)
    path = os.path.join(fdir, 'torch-cnn.onnx')
    # training=TRAINING keeps BatchNormalization nodes (eval export would fold them into Conv).
    model.train()
    torch.onnx.export(model, (x,), path, opset_version=13, input_names=['x'], output_names=['y'],
                      training=torch.onnx.TrainingMode.TRAINING, do_constant_folding=False)
    print('wrote', path, os.path.getsize(path), 'bytes')
    result = {'x': x.flatten().tolist(), 'xShape': list(x.shape), 'u': u.flatten().tolist(), 'modes': {}}
    state = {k: v.clone() for k, v in model.state_dict().items()}
    for mode in ('eval', 'train'):
        model.load_state_dict(state)
        model.train(mode == 'train')
        model.zero_grad()
        y = model(x)
        (y * u).sum().backward()
        result['modes'][mode] = {
            'y': y.detach().flatten().tolist(),
            'grads': {n: p.grad.flatten().tolist() for n, p in model.named_parameters()},
            'runningMean': {n: b.flatten().tolist() for n, b in model.named_buffers() if n.endswith('running_mean')},
            'runningVar': {n: b.flatten().tolist() for n, b in model.named_buffers() if n.endswith('running_var')},
        }
    with open(os.path.join(fdir, 'torch-cnn.json'), 'w') as f:
        json.dump(result, f)
    print('wrote', os.path.join(fdir, 'torch-cnn.json'))


if fixture_dir:
    cnn_fixture(fixture_dir)
    transformer(fixture_dir)
vision('mobilenet_v2', torchvision.models.mobilenet_v2)
vision('resnet18', torchvision.models.resnet18)
