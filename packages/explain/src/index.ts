/**
 * `@tessera/explain`: attributions for any `Module` (saliency, gradient × input, SmoothGrad,
 * Integrated Gradients with its completeness check, Grad-CAM on a named layer) with Captum's
 * definitions, and their pictures (heat-map overlays as RGBA pixels, SVG grids; PNG files from
 * `@tessera/explain/node`). Every method runs on the active backend, in chunks of a bounded size,
 * with the model in evaluation mode.
 *
 * @example
 * ```ts
 * import { saliency, integratedGradients, gradCam, attributionOverlays } from '@tessera/explain';
 * const sal = await saliency(model, images, { target: labels });
 * const { attributions, delta } = await integratedGradients(model, images, { target: labels, steps: 32 });
 * const cam = await gradCam(model, images, { layer: 'conv2', target: labels });
 * const pictures = await attributionOverlays(images, cam);
 * ```
 */
export { saliency, gradientXInput, smoothGrad, type SaliencyOptions, type GradientXInputOptions, type SmoothGradOptions } from './gradients.js';
export {
  integratedGradients,
  integrationRule,
  gaussLegendre,
  type IntegratedGradientsOptions,
  type IntegratedGradientsResult,
  type IntegrationMethod,
} from './integrated-gradients.js';
export { gradCam, type GradCamOptions } from './grad-cam.js';
export type { Target, ExplainableModel } from './model.js';
export {
  attributionOverlays,
  attributionHeatmaps,
  imagesToRgba,
  svgGrid,
  cumulativeSumThreshold,
  type RgbaImage,
  type AttributionSign,
  type OverlayOptions,
  type SvgGridOptions,
  type SvgGridRow,
} from './picture.js';
