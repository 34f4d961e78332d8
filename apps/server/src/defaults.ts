// The server's defaults the command line shows in --help, without loading the server.

/** About 13 months: a year-on-year comparison still has its detail at hand. */
export const DEFAULT_ARCHIVE_AFTER_DAYS = 400;
