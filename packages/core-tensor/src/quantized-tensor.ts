import { LowbitError } from './errors';
import { groupLayout } from './granularity';
import { packInt32, unpackInt32 } from './packing';
import { chooseQParams, type QParams } from './qparams';
import { codeRange, type QuantArgs } from './quant-args';
import { dequantize, quantize } from './quantize';
import { tf } from './tf';

/** The plain, serialisable fields of a {@link QuantizedTensor}. */
export interface QuantizedTensorRecord {
  shape: number[];
  args: QuantArgs;
  /** One code per element, row-major in `shape`: integers for `int`, table codes otherwise. */
  codes: Int32Array;
  /** Scale per parameter group, row-major in the granularity's paramShape. */
  scale: Float32Array;
  /** Zero point per parameter group (integer-valued unless zeroPointDomain is 'float'). */
  zeroPoint: Float32Array;
  /** Group of each index along the group axis when groups are not contiguous (GPTQ act-order g_idx). */
  gIdx?: Int32Array;
  /** The order in which a technique processed the group axis (GPTQ act-order), for reference. */
  perm?: Int32Array;
}

/**
 * A quantized tensor: codes plus the qparams and args needed to reconstruct it. Techniques produce
 * these; `@lowbit/export` decides how they are laid out on disk.
 */
export class QuantizedTensor implements QuantizedTensorRecord {
  readonly shape: number[];
  readonly args: QuantArgs;
  readonly codes: Int32Array;
  readonly scale: Float32Array;
  readonly zeroPoint: Float32Array;
  readonly gIdx?: Int32Array;
  readonly perm?: Int32Array;

  constructor(record: QuantizedTensorRecord) {
    const layout = groupLayout(record.shape, record.args.granularity);
    const size = record.shape.reduce((a, b) => a * b, 1);
    const params = layout.paramShape.reduce((a, b) => a * b, 1);
    if (
      record.codes.length !== size ||
      record.scale.length !== params ||
      record.zeroPoint.length !== params
    ) {
      throw new LowbitError(
        'BAD_TENSOR',
        `QuantizedTensor of shape [${record.shape}] needs ${size} codes and ${params} scales/zero points, got ${record.codes.length}, ${record.scale.length} and ${record.zeroPoint.length}.`,
      );
    }
    this.shape = record.shape.slice();
    this.args = record.args;
    this.codes = record.codes;
    this.scale = record.scale;
    this.zeroPoint = record.zeroPoint;
    this.gIdx = record.gIdx;
    this.perm = record.perm;
  }

  /** Quantizes x with the given qparams, or min/max qparams of x when none are given. */
  static fromTensor(x: tf.Tensor, args: QuantArgs, qparams?: QParams, name = 'tensor'): QuantizedTensor {
    const qp = qparams ?? chooseQParams(x, args, name);
    const codes = quantize(x, qp, args);
    const record = {
      shape: x.shape.slice(),
      args,
      codes: codes.dataSync() as Int32Array,
      scale: qp.scale.dataSync() as Float32Array,
      zeroPoint: qp.zeroPoint.dataSync() as Float32Array,
    };
    codes.dispose();
    if (!qparams) tf.dispose([qp.scale, qp.zeroPoint]);
    return new QuantizedTensor(record);
  }

  get paramShape(): number[] {
    return groupLayout(this.shape, this.args.granularity).paramShape;
  }

  /** The qparams as new tensors (the caller disposes them). */
  qparams(): QParams {
    return {
      scale: tf.tensor(this.scale, this.paramShape),
      zeroPoint: tf.tensor(this.zeroPoint, this.paramShape),
    };
  }

  /** The real-valued tensor these codes represent (a new float32 tensor). */
  dequantize(): tf.Tensor {
    return tf.tidy(() =>
      dequantize(tf.tensor(this.codes, this.shape, 'int32'), this.qparams(), this.args, {
        groupIndex: this.gIdx,
      }),
    );
  }

  /**
   * Storage size in bytes: codes packed at `bits` each, float32 scales, zero points packed at `bits`
   * (float32 when real-valued, none when symmetric), and int32 g_idx when present.
   */
  sizeBytes(): number {
    const { bits, symmetric, zeroPointDomain } = this.args;
    const codeBytes = Math.ceil((this.codes.length * bits) / 8);
    const zeroBytes = symmetric
      ? 0
      : zeroPointDomain === 'float'
        ? 4 * this.zeroPoint.length
        : Math.ceil((this.zeroPoint.length * bits) / 8);
    return codeBytes + 4 * this.scale.length + zeroBytes + (this.gIdx ? 4 * this.gIdx.length : 0);
  }

  /** Codes packed LSB-first into int32 words (signed int codes are offset to unsigned first). */
  packCodes(): Int32Array {
    return packInt32(this.unsignedCodes(), this.args.bits);
  }

  /** Inverse of {@link packCodes}: a tensor like this one whose codes come from `packed`. */
  withPackedCodes(packed: Int32Array): QuantizedTensor {
    const unsigned = unpackInt32(packed, this.args.bits, this.codes.length);
    const offset = this.signedOffset();
    return new QuantizedTensor({ ...this.toRecord(), codes: unsigned.map((c) => c + offset) });
  }

  toRecord(): QuantizedTensorRecord {
    const { shape, args, codes, scale, zeroPoint, gIdx, perm } = this;
    return { shape, args, codes, scale, zeroPoint, gIdx, perm };
  }

  private signedOffset(): number {
    return this.args.type === 'int' && this.args.signed ? codeRange(this.args).min : 0;
  }

  private unsignedCodes(): Int32Array {
    const offset = this.signedOffset();
    return offset === 0 ? this.codes : this.codes.map((c) => c - offset);
  }
}
