// The till's documents on their way to the store server.
export * from './till.outbox.js';
