import type { ArrayTarget } from '@lowbit/core-tensor';
import {
  HF_CLASSIFIER,
  HF_EMBEDDING,
  HF_FINAL_NORM,
  headSize,
  hfLinearName,
  hfNormName,
  type LayerNormName,
  type LinearName,
  type LlamaBlock,
  type LlamaConfig,
  type LlamaModel,
} from '@lowbit/models';
import { causalAttention, type DecoderContext, decoderContext, rmsNorm, rotary } from './decoder-ops';
import { GraphBuilder } from './graph-builder';
import { type LinearOptions, linear, writesQuantized } from './linears';

interface LayerInputs {
  graph: GraphBuilder;
  config: LlamaConfig;
  context: DecoderContext;
  options: LinearOptions;
}

function decoderLayer(x: string, block: LlamaBlock, inputs: LayerInputs): string {
  const { graph, config, context, options } = inputs;
  const size = headSize(config);
  const { index } = block;
  const project = (input: string, n: LinearName) =>
    linear(graph, input, block.linears[n], hfLinearName(index, n), options);
  const norm = (input: string, n: LayerNormName) =>
    rmsNorm(graph, input, block.norms[n], `${hfNormName(index, n)}.weight`, config.normEps);
  const normed = norm(x, 'attentionNorm');
  const q = rotary(graph, project(normed, 'wq'), config.nHeads, size, context);
  const k = rotary(graph, project(normed, 'wk'), config.nKvHeads, size, context);
  const attended = causalAttention(graph, q, k, project(normed, 'wv'), config, context);
  const afterAttention = graph.op('Add', [x, project(attended, 'wo')]);
  const ffnInput = norm(afterAttention, 'ffnNorm');
  const gate = project(ffnInput, 'w1');
  const swiglu = graph.op('Mul', [
    graph.op('Mul', [gate, graph.op('Sigmoid', [gate])]),
    project(ffnInput, 'w3'),
  ]);
  return graph.op('Add', [afterAttention, project(swiglu, 'w2')]);
}

/** x [B, T, dim] · Wᵀ for a float [vocab, dim] weight as stored, through a 2-D Gemm. */
function gemmClassifier(
  graph: GraphBuilder,
  x: string,
  weight: string,
  inputIds: string,
  config: LlamaConfig,
) {
  const rows = graph.op('Reshape', [x, graph.int64([-1, config.dim])]);
  const logits = graph.op('Gemm', [rows, weight], { transB: 1 });
  const shape = graph.op('Concat', [graph.op('Shape', [inputIds]), graph.int64([config.vocabSize])], {
    axis: 0,
  });
  return graph.op('Reshape', [logits, shape]);
}

function classifier(
  graph: GraphBuilder,
  x: string,
  target: ArrayTarget,
  config: LlamaConfig,
  inputIds: string,
  options: LinearOptions,
) {
  if (writesQuantized(target, options)) return linear(graph, x, target, HF_CLASSIFIER, options);
  const weight = config.tiedEmbeddings
    ? `${HF_EMBEDDING}.weight`
    : graph.initializer(`${HF_CLASSIFIER}.weight`, [config.vocabSize, config.dim], target.values);
  return gemmClassifier(graph, x, weight, inputIds, config);
}

/**
 * The ONNX graph of a llama decoder: input_ids int64 [batch, sequence] → logits float
 * [batch, sequence, vocab], sequence ≤ seqLen. Names follow transformers' LlamaForCausalLM.
 */
export function llamaGraph(model: LlamaModel, options: LinearOptions): GraphBuilder {
  const { config } = model;
  const graph = new GraphBuilder();
  const inputIds = graph.input('input_ids', 'int64', ['batch', 'sequence']);
  const embedding = graph.initializer(
    `${HF_EMBEDDING}.weight`,
    [config.vocabSize, config.dim],
    model.embedding.values,
  );
  const context = decoderContext(graph, config, inputIds);
  let x = graph.op('Gather', [embedding, inputIds]);
  for (const block of model.blocks) x = decoderLayer(x, block, { graph, config, context, options });
  x = rmsNorm(graph, x, model.finalNorm, `${HF_FINAL_NORM}.weight`, config.normEps);
  const logits = classifier(graph, x, model.classifier, config, inputIds, options);
  graph.node('Identity', [logits], { name: 'logits', outputs: ['logits'] });
  graph.output('logits', 'float', ['batch', 'sequence', config.vocabSize]);
  return graph;
}
