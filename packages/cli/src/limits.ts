/**
 * The most articles one request carries: the API's batch route takes 500 articles and, by default, 16 MiB.
 * A module of its own so `--help` can show it without loading the publish command.
 */
export const MAX_BATCH_ARTICLES = 500;
