export type * from './request.js';
export type * from './events.js';
export type * from './errors.js';
