// EKS bearer tokens: what `aws eks get-token` prints. A presigned STS GetCallerIdentity URL whose
// signature covers the header `x-k8s-aws-id: <cluster>`, so a token minted for one cluster cannot be
// replayed against another. EKS accepts a token for 15 minutes; the cache hands one out for 13.
import { Sha256 } from '@aws-crypto/sha256-js';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import { SignatureV4 } from '@smithy/signature-v4';
import type { Clock } from '../lib/clock.js';
import { MINUTE, systemClock } from '../lib/clock.js';

export const TOKEN_PREFIX = 'k8s-aws-v1.';
/** The presigned URL itself expires quickly; EKS honours the token for 15 minutes from signing. */
const URL_EXPIRES_SECONDS = 60;
/** Tokens are reused until one minute before 14 minutes (EKS's limit is 15). */
export const TOKEN_REUSE_MS = 13 * MINUTE;

export interface TokenRequest {
  cluster: string;
  region: string;
  credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Signing time; defaults to now. */
  at?: Date;
}

/** Mints one token: `k8s-aws-v1.` + base64url (unpadded) of the presigned URL. */
export async function eksToken(req: TokenRequest): Promise<string> {
  const hostname = `sts.${req.region}.amazonaws.com`;
  const signer = new SignatureV4({
    service: 'sts',
    region: req.region,
    credentials: req.credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  let signed: Awaited<ReturnType<SignatureV4['presign']>>;
  try {
    signed = await signer.presign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname,
        path: '/',
        query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
        headers: { host: hostname, 'x-k8s-aws-id': req.cluster },
      },
      { expiresIn: URL_EXPIRES_SECONDS, signingDate: req.at },
    );
  } catch (cause) {
    throw new Error(`signing an EKS token for ${req.cluster}`, { cause });
  }
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${encode(k)}=${encode(String(x))}`))
    .join('&');
  const url = `https://${hostname}/?${query}`;
  return TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url');
}

/** RFC 3986 encoding, as SigV4 expects. */
const encode = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * Tokens per (cluster, region, access key). Keyed by the access key so a refreshed role session
 * mints a new token rather than reusing one signed by expired credentials.
 */
export class EksTokenCache {
  readonly #tokens = new Map<string, { token: string; until: number }>();
  constructor(readonly clock: Clock = systemClock) {}

  async token(req: Omit<TokenRequest, 'at'>): Promise<string> {
    const credentials = typeof req.credentials === 'function' ? await req.credentials() : req.credentials;
    const key = `${req.cluster}|${req.region}|${credentials.accessKeyId}`;
    const now = this.clock.now();
    const hit = this.#tokens.get(key);
    if (hit && hit.until > now.getTime()) return hit.token;
    const token = await eksToken({ ...req, credentials, at: now });
    this.#tokens.set(key, { token, until: now.getTime() + TOKEN_REUSE_MS });
    return token;
  }
}

/** The process-wide cache the executors use. */
export const eksTokens = new EksTokenCache();
