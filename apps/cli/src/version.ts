/** The version of OpenKassa this command belongs to. */
export const VERSION = '0.1.0';
