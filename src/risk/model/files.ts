// Names and places of model files. The committed model lives next to this module in
// src/risk/model/ as spotops-risk-<version>.onnx with its JSON card and MODEL_CARD.md.
import { riskAssetPath } from '../assets.js';

/** The version of the model committed in this repository (trained by `spotops train-model`). */
export const COMMITTED_MODEL_VERSION = '2.0.0';

export const modelFileName = (version: string) => `spotops-risk-${version}.onnx`;
export const cardFileName = (version: string) => `spotops-risk-${version}.card.json`;
export const MODEL_CARD_MARKDOWN = 'MODEL_CARD.md';

/** Directory of the committed model files. */
export const modelDir = () => riskAssetPath('model');
export const modelPath = (version: string) => riskAssetPath(`model/${modelFileName(version)}`);
export const cardPath = (version: string) => riskAssetPath(`model/${cardFileName(version)}`);
