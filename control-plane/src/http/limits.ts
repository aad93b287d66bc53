/**
 * Largest GraphQL request accepted, over HTTP and graphql-ws alike. Usage batches from data planes are the
 * largest requests (a few hundred bytes per event); 10 MiB leaves ample room while bounding memory per request.
 */
export const GRAPHQL_BODY_LIMIT_BYTES = 10 * 1024 * 1024;
