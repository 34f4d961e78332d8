// The fiscal relay: the ККТ-facing listener, its store, the forwarder to the OFD and the answers.
export * from './answers.js';
export * from './forwarder.js';
export * from './parse-catch-up.js';
export * from './relay.repo.js';
export * from './relay.service.js';
export * from './relay.tcp.js';
export * from './relay.writer.js';
