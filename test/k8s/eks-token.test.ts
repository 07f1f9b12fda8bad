import { describe, expect, it } from 'vitest';
import { EksTokenCache, eksToken, TOKEN_PREFIX } from '../../src/k8s/eks-token.js';
import { ManualClock, MINUTE } from '../../src/lib/clock.js';

const credentials = { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'x', sessionToken: 'tok' };

function decode(token: string): URL {
  expect(token.startsWith(TOKEN_PREFIX)).toBe(true);
  const body = token.slice(TOKEN_PREFIX.length);
  expect(body).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(body, 'base64url').toString('utf8'));
}

describe('eksToken', () => {
  it('is a presigned STS GetCallerIdentity URL bound to the cluster', async () => {
    const url = decode(
      await eksToken({
        cluster: 'prod-eks',
        region: 'eu-west-1',
        credentials,
        at: new Date('2026-03-01T12:00:00Z'),
      }),
    );
    expect(url.protocol).toBe('https:');
    expect(url.host).toBe('sts.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/');
    const q = url.searchParams;
    expect(q.get('Action')).toBe('GetCallerIdentity');
    expect(q.get('Version')).toBe('2011-06-15');
    expect(q.get('X-Amz-Expires')).toBe('60');
    expect(q.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(q.get('X-Amz-Date')).toBe('20260301T120000Z');
    expect(q.get('X-Amz-Credential')).toBe('AKIAEXAMPLEEXAMPLE00/20260301/eu-west-1/sts/aws4_request');
    expect(q.get('X-Amz-Security-Token')).toBe('tok');
    expect(q.get('X-Amz-SignedHeaders')?.split(';')).toEqual(['host', 'x-k8s-aws-id']);
    expect(q.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // The cluster name is signed, not sent in the URL.
    expect(url.search).not.toContain('prod-eks');
  });

  it('signs a different token for another cluster', async () => {
    const at = new Date('2026-03-01T12:00:00Z');
    const a = await eksToken({ cluster: 'a', region: 'us-east-1', credentials, at });
    const b = await eksToken({ cluster: 'b', region: 'us-east-1', credentials, at });
    expect(decode(a).searchParams.get('X-Amz-Signature')).not.toBe(
      decode(b).searchParams.get('X-Amz-Signature'),
    );
  });
});

describe('EksTokenCache', () => {
  it('reuses a token for 13 minutes and mints a new one after', async () => {
    const clock = new ManualClock('2026-03-01T12:00:00Z');
    const cache = new EksTokenCache(clock);
    const req = { cluster: 'prod-eks', region: 'us-east-1', credentials: async () => credentials };
    const first = await cache.token(req);
    clock.advance(12 * MINUTE);
    expect(await cache.token(req)).toBe(first);
    clock.advance(MINUTE + 1);
    const second = await cache.token(req);
    expect(second).not.toBe(first);
    expect(decode(second).searchParams.get('X-Amz-Date')).toBe('20260301T121300Z');
  });

  it('mints a new token when the credentials change', async () => {
    const cache = new EksTokenCache(new ManualClock('2026-03-01T12:00:00Z'));
    const first = await cache.token({ cluster: 'c', region: 'us-east-1', credentials });
    const other = await cache.token({
      cluster: 'c',
      region: 'us-east-1',
      credentials: { ...credentials, accessKeyId: 'ASIAOTHEROTHEROTHER0' },
    });
    expect(decode(other).searchParams.get('X-Amz-Credential')).toMatch(/^ASIAOTHER/);
    expect(other).not.toBe(first);
  });
});
