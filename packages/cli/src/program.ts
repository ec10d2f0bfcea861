import { Command, Option } from 'commander';
import { evalCommand } from './commands/eval';
import { generateCommand } from './commands/generate';
import { inspectCommand } from './commands/inspect';
import { quantizeCommand } from './commands/quantize';
import { OUTPUT_FORMATS } from './format/index';
import { METHODS } from './methods';
import { groupSize, nonNegativeInteger, nonNegativeNumber, positiveInteger, positiveNumber } from './options';
import type { CliIo } from './session';
import { VERSION } from './version';

const MODEL =
  'a llama2.c .bin, .onnx, tfjs model.json, HF llama folder, GPTQ folder, lowbit directory or ONNX export';

function addQuantize(program: Command, io: CliIo): void {
  program
    .command('quantize')
    .description('quantize a model and write it as a lowbit directory, ONNX (MatMulNBits) or GPTQ folder')
    .argument('<model>', MODEL)
    .addOption(
      new Option('--method <name>', 'quantization method').choices(Object.keys(METHODS)).default('rtn'),
    )
    .option('--bits <n>', 'bits per weight code', positiveInteger, 4)
    .option(
      '--group-size <n|channel>',
      'group size along the input axis, or channel (default: the method’s)',
      groupSize,
    )
    .option('--sym', 'symmetric int ranges (no zero point)')
    .option('--act-order', 'gptq: quantize columns by decreasing Hessian diagonal (desc_act)')
    .option('--static-groups', 'gptq: every group’s qparams from the unquantized weight')
    .option('--percdamp <f>', 'gptq: dampening, a fraction of the mean Hessian diagonal', positiveNumber)
    .option('--no-true-sequential', 'gptq: capture every layer’s inputs once per block')
    .addOption(new Option('--type <type>', 'code type').choices(['int', 'nf4', 'fp4']).default('int'))
    .option('--calib <file>', 'calibration data (text, or IDX images) for methods that observe activations')
    .option('--samples <n>', 'calibration samples (default: 32 texts, 128 images)', positiveInteger)
    .option(
      '--seq-len <n>',
      'tokens per calibration text (default: 128, at most the model’s)',
      positiveInteger,
    )
    .option('--seed <n>', 'calibration sampling seed', nonNegativeInteger, 0)
    .requiredOption('--out <dir>', 'output directory')
    .addOption(new Option('--format <name>', 'output format').choices([...OUTPUT_FORMATS]).default('lowbit'))
    .option(
      '--accuracy-level <n>',
      'onnx: MatMulNBits accuracy_level (0 float32, 4 int8)',
      nonNegativeInteger,
      0,
    )
    .option('--report <file>', 'write a JSON report (docs/report-schema.md)')
    .option('--force', 'replace an existing lowbit output directory', false)
    .option('--tokenizer <file>', 'llama2.c tokenizer (for text data; copied into the output)')
    .option(
      '--eval-data <file>',
      'evaluate before and after: text for a language model, IDX images for a classifier',
    )
    .option('--labels <file>', 'IDX labels for --eval-data (default: inferred from its name)')
    .option('--limit <n>', 'evaluate only the first n lines or images', positiveInteger)
    .action(async (model: string, { sym, ...options }) => {
      await quantizeCommand(model, { ...options, symmetric: sym }, io);
    });
}

function addEval(program: Command, io: CliIo): void {
  program
    .command('eval')
    .description('perplexity of a language model on text, or top-1 accuracy of a classifier on IDX images')
    .argument('<model>', MODEL)
    .requiredOption('--data <file>', 'text file (one document per line) or IDX images')
    .option('--labels <file>', 'IDX labels (default: inferred from --data)')
    .option('--tokenizer <file>', 'llama2.c tokenizer (default: the one in a lowbit directory)')
    .option('--limit <n>', 'only the first n lines or images', positiveInteger)
    .option(
      '--seq-len <n>',
      'tokens per window of a bare ONNX LLM (default: its lowbit-export.json)',
      positiveInteger,
    )
    .option('--report <file>', 'write a JSON report (docs/report-schema.md)')
    .action(async (model: string, options) => {
      await evalCommand(model, options, io);
    });
}

function addGenerate(program: Command, io: CliIo): void {
  program
    .command('generate')
    .description('continue a prompt with a llama model')
    .argument('<model>', 'a llama2.c .bin, HF llama folder or their lowbit directory')
    .option('--tokenizer <file>', 'llama2.c tokenizer (default: the one in a lowbit directory)')
    .option('--prompt <text>', 'text to continue', '')
    .option('--steps <n>', 'the most tokens to generate', positiveInteger, 256)
    .option('--temperature <t>', '0 is greedy; otherwise sample softmax(logits / t)', nonNegativeNumber, 0)
    .option('--seed <n>', 'sampling seed', nonNegativeInteger, 0)
    .action(async (model: string, options) => {
      await generateCommand(model, options, io);
    });
}

function addInspect(program: Command, io: CliIo): void {
  program
    .command('inspect')
    .description('show what a model, tokenizer, safetensors file or lowbit directory holds')
    .argument('<path>', 'file or directory')
    .action(async (path: string) => {
      await inspectCommand(path, io);
    });
}

/** The `lowbit` command line; errors are thrown (exitOverride), output goes to `io`. */
export function createProgram(io: CliIo): Command {
  const program = new Command('lowbit')
    .description('quantize, evaluate, run and inspect neural networks')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) });
  for (const add of [addQuantize, addEval, addGenerate, addInspect]) add(program, io);
  return program;
}
