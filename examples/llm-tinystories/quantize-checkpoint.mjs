// `node quantize-checkpoint.mjs <llama2c.bin>`: loads a llama2.c checkpoint, quantizes its decoder
// layers with RTN W4 g128 through runRecipe and prints one JSON line of sizes, time and memory.
// Run in its own process so that its peak RSS is the model's alone.
import { initBackend, runRecipe } from '@lowbit/core-tensor';
import { loadLlama2c } from '@lowbit/models';
import { rtn } from '@lowbit/rtn';

const [checkpoint] = process.argv.slice(2);
const MiB = 2 ** 20;
const elements = (target) => target.shape.reduce((a, b) => a * b, 1);
/** Resident set and JS array buffers (the model's Float32Arrays, codes, the wasm heap), in MiB. */
const memory = () => {
  const { rss, arrayBuffers } = process.memoryUsage();
  return { rssMiB: Math.round(rss / MiB), arrayBuffersMiB: Math.round(arrayBuffers / MiB) };
};

/** Every float of the model (the arrays are not kept: they are what quantization replaces). */
function countParameters(model) {
  const { tokenEmbedding, layers, finalNorm, classifier } = model.weights();
  const arrays = [
    tokenEmbedding,
    finalNorm,
    ...(classifier ? [classifier] : []),
    ...layers.flatMap((layer) => [layer.attentionNorm, layer.ffnNorm, ...Object.values(layer.linears)]),
  ];
  return arrays.reduce((n, array) => n + array.length, 0);
}

await initBackend();
const stages = { backend: memory() };
const model = loadLlama2c(checkpoint);
stages.loaded = memory();
const blockTargets = model.blocks.flatMap((block) => block.targets);
const parameters = countParameters(model);
const started = performance.now();
runRecipe(model, [rtn({ bits: 4, groupSize: 128 })]);
const seconds = (performance.now() - started) / 1000;
stages.quantized = memory();
console.log(
  JSON.stringify({
    parameters,
    fp32Bytes: 4 * parameters,
    blockWeights: blockTargets.reduce((n, t) => n + elements(t), 0),
    quantizedBlockBytes: blockTargets.reduce((n, t) => n + t.quantized.sizeBytes(), 0),
    seconds,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
    stages,
  }),
);
