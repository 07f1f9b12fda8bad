import { ApiException } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { clipLine, describeError } from '../../src/lib/errors.js';

describe('error lines', () => {
  it("reduces client-node's multi-line HTTP dump to its status and message", () => {
    const body = JSON.stringify({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      message: 'pods "web-1" is forbidden: User "spotops" cannot create resource "pods/eviction"',
      code: 403,
    });
    const dump = new ApiException(403, 'Unknown API Status Code!', body, {
      'content-type': 'application/json',
    });
    expect(dump.message).toContain('\n');
    const line = describeError(new Error('evicting default/web-1', { cause: dump }));
    expect(line).toBe(
      'evicting default/web-1: HTTP 403 Forbidden: pods "web-1" is forbidden: User "spotops" cannot create resource "pods/eviction"',
    );
    expect(line).not.toContain('Headers');
  });

  it('keeps every line of a multi-line message on one line', () => {
    expect(describeError(new Error('first\n  second'))).toBe('first second');
  });

  it('cuts at a word boundary with an ellipsis, never mid-word', () => {
    const text = 'is still running: the role lacks Kubernetes RBAC create pods/eviction in prod';
    const clipped = clipLine(text, 40);
    expect(clipped).toBe('is still running: the role lacks…');
    expect(clipped.length).toBeLessThanOrEqual(40);
    expect(clipLine('short', 40)).toBe('short');
  });
});
