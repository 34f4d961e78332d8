// Users, sessions, device credentials and who may call what. Its routes are registered by app.ts.
export * from './access.js';
export * from './auth.service.js';
