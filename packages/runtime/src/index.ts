export * from './wakeup.js';
export * from './uplink.js';
