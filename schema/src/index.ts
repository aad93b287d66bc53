export * from './config.js';
export * from './usage.js';
export * from './wire.js';
export * from './keys.js';
export * from './config-wire.js';
export * from './health.js';
export * from './pricing/index.js';
export * from './subject-spend.js';
