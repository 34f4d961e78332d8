// What the command line needs before it opens a database, without loading the drivers: the
// --db flag's parser and the check whether an error means the database is away.
export * from './config.js';
export * from './errors.js';
