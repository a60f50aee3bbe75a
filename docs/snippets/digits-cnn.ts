// Setup for code blocks marked ```ts setup=digits-cnn, on the CPU backend:
// - `pretrained-mnist-cnn.onnx` in the working folder: the pretrained CNN of examples/fine-tune-digits
//   (trained by PyTorch on MNIST, exported with torch.onnx.export, opset 13; input `image`
//   [N, 1, 28, 28], outputs `features` [N, 64] and `logits` [N, 10]);
// - `data`: 100 MNIST digits (10 per class, normalised) from @tessera/datasets, also as
//   `trainImages` [100, 1, 28, 28] and `trainLabels`, and `sample`, the first two images;
// - `pretrained` (the imported model), `backbone` (cut at `features`), and `model`: the backbone
//   with a new 10-class head, `new Sequential({ backbone, head })`, with an Adam `optimizer`.
import { copyFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setBackend } from '@tessera/tensor-core';
import { cpu } from '@tessera/backend-cpu';
import { Linear, Sequential } from '@tessera/layers';
import { Adam } from '@tessera/optim';
import { loadMnist } from '@tessera/datasets';
import { cut, importOnnx } from '@tessera/transfer-learning';

await setBackend(cpu());
await copyFile(fileURLToPath(new URL('../../examples/fine-tune-digits/data/pretrained-mnist-cnn.onnx', import.meta.url)), 'pretrained-mnist-cnn.onnx');
export const data = await loadMnist({ normalize: true, perClass: 10 });
export const trainImages = data.x;
export const trainLabels = data.y;
export const sample = trainImages.slice([0], [2]);
export const pretrained = await importOnnx('pretrained-mnist-cnn.onnx');
export const backbone = cut(pretrained, 'features');
export const model = new Sequential({ backbone, head: new Linear({ inFeatures: 64, outFeatures: 10, seed: 1 }) });
export const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
