import { catalogApi } from '@openkassa/contracts';
import type { CatalogPage } from '@openkassa/contracts';
import { FeedFollower, type DeviceCredentials } from '@openkassa/runtime';
import type { CatalogService } from './catalog.service.js';

/**
 * A store server's copy of its head office's catalogue: the head office's feed from this
 * server's own head version on, applied with the same versions.
 */
export function catalogMirror(
  upstream: string,
  catalog: CatalogService,
  log: { warn(m: string): void },
  auth?: DeviceCredentials,
): FeedFollower<CatalogPage> {
  return new FeedFollower<CatalogPage>(
    {
      what: 'catalogue',
      url: (since) => {
        const url = new URL(catalogApi.changes.url, upstream);
        url.search = new URLSearchParams({ since: String(since), limit: '5000', wait: '25' }).toString();
        return url;
      },
      cursor: () => catalog.head(),
      apply: async (page) => {
        await catalog.mirror(page);
      },
      timeoutMs: 40_000,
      ...(auth && { auth }),
    },
    log,
  );
}
