/** One step of a long-running job: `done` of `total` units of `stage`. */
export interface ProgressEvent {
  stage: string;
  done: number;
  total: number;
  note?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;

/** Every long-running function takes these options. */
export interface ProgressOptions {
  onProgress?: ProgressCallback;
}
