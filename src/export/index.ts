// The export layer's public API: ONNX graphs per family and transformers.js's folder layout.
export { buildOnnxGraph, onnxModelTypes, registerOnnxExporter, writeOnnxModel, type OnnxExportOptions, type WrittenOnnx } from './onnx/export-model.js';
export { decoderExporter, type DecoderGraphInputs, type DecoderGraphParts, type DecoderShape } from './onnx/families/decoder.js';
export { imageExporter } from './onnx/families/vision.js';
export { encoderExporter, type EncoderGraphParts, type OnnxFamilyExporter, type TextGraphInputs } from './onnx/families/encoder.js';
export { float, GraphBuilder, scopeOf, type GraphOptions, type LinearWeights } from './onnx/graph.js';
export { decodeModel, encodeModel, IR_VERSION, OPSET } from './onnx/proto.js';
export { exportTransformersJs, generationConfigJson, type TransformersJsExport, type TransformersJsExportOptions } from './transformers-js.js';
