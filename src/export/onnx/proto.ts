// The ONNX protobuf messages the exporter writes (a subset of onnx.proto, IR version 8), as protobufjs reflection from a JSON descriptor.
import protobuf from 'protobufjs';

/** TensorProto.DataType values used here (onnx.proto numbering). */
export const DataType = { FLOAT: 1, UINT8: 2, INT8: 3, INT32: 6, INT64: 7, BOOL: 9 } as const;
export type DataTypeCode = (typeof DataType)[keyof typeof DataType];

/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** IR version 8 is the one that goes with opset 17 (onnx/docs/Versioning.md). */
export const IR_VERSION = 8;
export const OPSET = 17;
/** ONNX Runtime's contrib operators (MatMulIntegerToFloat lives there). */
export const MS_DOMAIN = 'com.microsoft';

const repeated = (type: string, id: number, packed = false) => ({ rule: 'repeated', type, id, ...(packed ? { options: { packed: true } } : {}) });
const field = (type: string, id: number) => ({ type, id });

/** Field numbers and types exactly as onnx.proto declares them (proto2; unknown fields are simply not written). */
const DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: { fields: { key: field('string', 1), value: field('string', 2) } },
        OperatorSetIdProto: { fields: { domain: field('string', 1), version: field('int64', 2) } },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1, true),
            dataType: field('int32', 2),
            floatData: repeated('float', 4, true),
            int32Data: repeated('int32', 5, true),
            int64Data: repeated('int64', 7, true),
            name: field('string', 8),
            rawData: field('bytes', 9),
            docString: field('string', 12),
            externalData: repeated('StringStringEntryProto', 13),
            dataLocation: field('int32', 14),
          },
        },
        AttributeProto: {
          fields: {
            name: field('string', 1),
            f: field('float', 2),
            i: field('int64', 3),
            s: field('bytes', 4),
            t: field('TensorProto', 5),
            floats: repeated('float', 7, true),
            ints: repeated('int64', 8, true),
            type: field('int32', 20),
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: field('string', 3),
            opType: field('string', 4),
            attribute: repeated('AttributeProto', 5),
            docString: field('string', 6),
            domain: field('string', 7),
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: { oneofs: { value: { oneof: ['dimValue', 'dimParam'] } }, fields: { dimValue: field('int64', 1), dimParam: field('string', 2) } },
          },
        },
        TypeProto: {
          fields: { tensorType: field('TensorTypeProto', 1) },
        },
        TensorTypeProto: { fields: { elemType: field('int32', 1), shape: field('TensorShapeProto', 2) } },
        ValueInfoProto: { fields: { name: field('string', 1), type: field('TypeProto', 2), docString: field('string', 3) } },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: field('string', 2),
            initializer: repeated('TensorProto', 5),
            docString: field('string', 10),
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        ModelProto: {
          fields: {
            irVersion: field('int64', 1),
            producerName: field('string', 2),
            producerVersion: field('string', 3),
            domain: field('string', 4),
            modelVersion: field('int64', 5),
            docString: field('string', 6),
            graph: field('GraphProto', 7),
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(DESCRIPTOR);
const ModelType = root.lookupType('onnx.ModelProto');

export interface TensorMessage {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: DataTypeCode;
  readonly rawData?: Uint8Array;
  readonly externalData?: readonly { readonly key: string; readonly value: string }[];
  /** 1 (EXTERNAL) when the bytes sit in a side file named by externalData. */
  readonly dataLocation?: number;
}

export interface AttributeMessage {
  readonly name: string;
  readonly type: number;
  readonly f?: number;
  readonly i?: number;
  readonly s?: Uint8Array;
  readonly t?: TensorMessage;
  readonly floats?: readonly number[];
  readonly ints?: readonly number[];
}

export interface NodeMessage {
  readonly name: string;
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attribute: readonly AttributeMessage[];
  readonly domain?: string;
}

/** A dimension: a fixed size or a symbolic name (`batch_size`, `sequence_length`). */
export type Dim = number | string;

export interface ValueInfoMessage {
  readonly name: string;
  readonly type: {
    readonly tensorType: { readonly elemType: DataTypeCode; readonly shape: { readonly dim: readonly ({ dimValue: number } | { dimParam: string })[] } };
  };
}

export interface ModelMessage {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly graph: {
    readonly name: string;
    readonly node: readonly NodeMessage[];
    readonly initializer: readonly TensorMessage[];
    readonly input: readonly ValueInfoMessage[];
    readonly output: readonly ValueInfoMessage[];
  };
  readonly opsetImport: readonly { readonly domain: string; readonly version: number }[];
}

/** A value's declared type: element type and shape. */
export function valueInfo(name: string, elemType: DataTypeCode, dims: readonly Dim[]): ValueInfoMessage {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** The model's wire bytes. */
export function encodeModel(model: ModelMessage): Uint8Array {
  return ModelType.encode(ModelType.fromObject(model as unknown as Record<string, unknown>)).finish();
}

/** Parses wire bytes back (tests read what was written). */
export function decodeModel(bytes: Uint8Array): ModelMessage {
  return ModelType.toObject(ModelType.decode(bytes), {
    longs: Number,
    bytes: Uint8Array as unknown as typeof String,
    defaults: false,
  }) as unknown as ModelMessage;
}
