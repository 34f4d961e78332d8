import { openapiDocument, SERVER_API } from '@openkassa/contracts';

/**
 * The cash server's HTTP API, described for clients and for people (served at
 * /api/v1/openapi.json): made from the route schemas in packages/contracts, the same ones the
 * server reads every request through.
 */
export const openapi = openapiDocument(SERVER_API, {
  title: 'OpenKassa cash server',
  version: '0.1.0',
  description: 'Fiscal relay with store-and-forward, the central fiscal database and sales ingest.',
});
