export { awqQuantArgs } from './awq-args';
export { awq } from './awq-modifier';
export { type ClipSearchResult, searchClip } from './clip-search';
export { type AwqConfig, type AwqConfigInput, awqConfig, defaultAwqConfig } from './config';
export { foldScales } from './fold';
export { InputStats } from './input-stats';
export { type ScaleSearchResult, searchScales } from './scale-search';
