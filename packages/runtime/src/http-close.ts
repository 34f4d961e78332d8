/** What closing needs of a Fastify app (or any Node HTTP server behind one). */
export interface ClosableHttp {
  close(): PromiseLike<unknown>;
  readonly server: { closeIdleConnections(): void; closeAllConnections(): void };
}

/**
 * Stops an HTTP server: no new requests, the ones in flight are answered, and keep-alive
 * connections are closed as soon as they fall idle (Node closes only those idle at the moment
 * of closing, and a connection whose answer is still being written would otherwise be kept for
 * the whole keep-alive time). What is still open after `graceMs` is cut: every client of these
 * servers retries, and every write they make is idempotent.
 */
export async function closeHttp(app: ClosableHttp, graceMs = 5000): Promise<void> {
  const idle = setInterval(() => {
    app.server.closeIdleConnections();
  }, 100);
  const cut = setTimeout(() => {
    app.server.closeAllConnections();
  }, graceMs);
  try {
    await app.close();
  } finally {
    clearInterval(idle);
    clearTimeout(cut);
  }
}
