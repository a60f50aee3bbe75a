/** Small models that exercise every per-sample gradient path (shared by the CPU and WebGPU tests). */
import { Conv1d, Conv2d, Embedding, LayerNorm, Linear, Module } from '@tessera/layers';
import { tidy, type Tensor } from '@tessera/tensor-core';

/** Conv2d (stride 2, padding 1, groups 2) → Linear on [B, T, F] → LayerNorm → Linear. */
export class Vision extends Module<[Tensor]> {
  conv = new Conv2d({ inChannels: 2, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, groups: 2, seed: 1 });
  proj = new Linear({ inFeatures: 3, outFeatures: 5, seed: 2 });
  norm = new LayerNorm({ normalizedShape: 5 });
  head = new Linear({ inFeatures: 4 * 3 * 5, outFeatures: 3, seed: 3 });
  forward(x: Tensor): Tensor {
    return tidy(() => {
      const h = this.conv.forward(x).relu(); // [B, 4, 3, 3]
      const t = this.norm.forward(this.proj.forward(h.reshape([x.shape[0]!, 12, 3]))); // [B, 12, 5]
      return this.head.forward(t.tanh().reshape([x.shape[0]!, 60]));
    });
  }
}

/** Embedding (with padding) → Conv1d (fallback path) → Linear used twice (shared weight). */
export class Text extends Module<[Tensor]> {
  emb = new Embedding({ numEmbeddings: 7, embeddingDim: 4, paddingIdx: 0, seed: 4 });
  conv = new Conv1d({ inChannels: 4, outChannels: 4, kernelSize: 2, seed: 5 });
  out = new Linear({ inFeatures: 4, outFeatures: 4, seed: 6 });
  forward(idx: Tensor): Tensor {
    return tidy(() => {
      const e = this.emb.forward(idx); // [B, L, 4]
      const c = this.conv.forward(e.transpose(1, 2)).mean(2); // [B, 4]
      return this.out.forward(this.out.forward(c).tanh());
    });
  }
}

