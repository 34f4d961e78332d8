// The ККТ behind the till, through its ATOL web API.
export * from './atol-client.js';
