// The toy CPU of the bGPT paper: machine, generator, file format, translator, evaluator, validator.
export * from './machine';
export * from './generator';
export * from './file';
export * from './translate';
export * from './evaluate';
export * from './validate';
