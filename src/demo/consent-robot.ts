/**
 * DEMO ONLY. Plays the user's browser on a simulated clinic's consent page: loads the authorize
 * URL, reads the consent form (action + hidden fields) and submits it with "approve", then
 * answers the `code` and `state` of the redirect. Real deployments never use this: a person
 * approves in a real browser through /connect. It exists so `npm start` with no configuration
 * connects the simulated clinics through the same OAuth flow.
 */
export async function approveConsentLikeABrowser(
  fetchFn: typeof fetch,
  authorizeUrl: string,
): Promise<{ code: string; state: string | null }> {
  const page = await fetchFn(authorizeUrl, { redirect: 'manual' });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`consent page answered ${page.status}`);
  const form = /<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error('consent page has no form');
  const fields = new URLSearchParams();
  for (const input of (form[2] ?? '').matchAll(/<input[^>]*>/gi)) {
    const tag = input[0];
    const name = /name="([^"]*)"/.exec(tag)?.[1];
    const value = /value="([^"]*)"/.exec(tag)?.[1] ?? '';
    if (name && /type="hidden"/i.test(tag)) fields.set(name, decodeEntities(value));
  }
  fields.set('decision', 'approve');
  const action = new URL(decodeEntities(form[1] ?? ''), authorizeUrl).toString();
  const submitted = await fetchFn(action, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: fields,
  });
  const location = submitted.headers.get('location');
  if (!location) throw new Error(`consent submit answered ${submitted.status} without a redirect`);
  const target = new URL(location);
  const code = target.searchParams.get('code');
  if (!code) throw new Error(`consent was not granted (${target.searchParams.get('error') ?? 'no code'})`);
  return { code, state: target.searchParams.get('state') };
}

function decodeEntities(text: string): string {
  return text
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
