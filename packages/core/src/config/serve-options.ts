import { LOOPBACK_HOST } from './shared-options.js';

/**
 * The dashboard's defaults (`logcluster serve`). It listens on a loopback address unless
 * given credentials, so the default host needs none.
 */
export const SERVE_DEFAULTS = Object.freeze({
  host: LOOPBACK_HOST,
  port: 3000,
});
