import type { onnx } from '@lowbit/models';

/** Fresh value, node and initializer names that collide with nothing in the graph. */
export class NameScope {
  private readonly taken = new Set<string>();

  constructor(graph: onnx.IGraphProto) {
    for (const node of graph.node ?? []) {
      this.taken.add(node.name ?? '');
      for (const v of [...(node.input ?? []), ...(node.output ?? [])]) this.taken.add(v);
    }
    for (const list of [graph.initializer, graph.input, graph.output, graph.valueInfo]) {
      for (const item of list ?? []) this.taken.add(item.name ?? '');
    }
  }

  /** `base`, or `base_2`, `base_3`… when taken; the result is taken from now on. */
  fresh(base: string): string {
    let name = base;
    for (let i = 2; this.taken.has(name); i++) name = `${base}_${i}`;
    this.taken.add(name);
    return name;
  }
}
