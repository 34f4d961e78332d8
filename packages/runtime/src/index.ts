export * from './wakeup.js';
export * from './uplink.js';
export * from './feed.js';
export * from './heartbeat.js';
export * from './http-close.js';
export * from './credentials.js';
export * from './supervisor.js';
export * from './health.js';
