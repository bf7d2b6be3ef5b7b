import { SourceError } from '../connector.ts';

/**
 * A next-page link must stay on the source's origin: the client sends the connection's bearer
 * token with it, so a link elsewhere would leak the token.
 */
export function sameOriginUrl(link: string, base: string, source: string): string {
  const url = new URL(link, base);
  if (url.origin !== new URL(base).origin)
    throw new SourceError('bad_response', `${source} next-page link points to another origin`);
  return url.toString();
}
