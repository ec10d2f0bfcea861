import packageJson from '../package.json';

/** This package's version, reported by `lowbit --version` and written into manifests and reports. */
export const VERSION: string = packageJson.version;
