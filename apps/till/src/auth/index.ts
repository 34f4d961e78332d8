// The till's users, PINs and sessions.
export * from './users.js';
