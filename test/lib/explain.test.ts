// Errors people can act on: AWS and network failures become whole sentences saying what was
// attempted, what it means and what to do; raw SDK text never comes through.
import { describe, expect, it } from 'vitest';
import { UserError, userMessage } from '../../src/lib/errors.js';
import { clip, explainAws, explainError } from '../../src/lib/explain.js';
import { classifySlackError } from '../../src/slack/errors.js';

const aws = (name: string, message: string) =>
  Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 }, $fault: 'client' });

describe('explaining errors', () => {
  it('names the missing permission and says what to do', () => {
    const err = new Error('releasing eipalloc-1', {
      cause: aws(
        'UnauthorizedOperation',
        'You are not authorized to perform this operation. User: arn:aws:sts::1:assumed-role/x is not authorized to perform: ec2:ReleaseAddress on resource: *',
      ),
    });
    expect(explainError(err)).toBe(
      'Releasing eipalloc-1 failed: The spotops role lacks ec2:ReleaseAddress. Add the missing permission to the role (see `/spot connect` for the template), then try again.',
    );
  });

  it('turns an HTML page where XML was expected into a sentence, without the page', () => {
    const err = new Error('describing volumes in us-east-1', {
      cause: Object.assign(
        new Error(
          'Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object. <html><body>502 Bad Gateway',
        ),
        {
          $response: { statusCode: 502 },
        },
      ),
    });
    const text = explainError(err);
    expect(text).toMatch(/^Describing volumes in us-east-1 failed: AWS \(or a proxy in between\) answered/);
    expect(text).not.toMatch(/Deserialization|<html|\$response/);
  });

  it.each([
    ['Throttling', 'aws:Throttling', true],
    ['RequestLimitExceeded', 'aws:RequestLimitExceeded', true],
    ['InvalidInstanceID.NotFound', 'aws:InvalidInstanceID.NotFound', false],
    ['InvalidVolume.NotFound', 'aws:InvalidVolume.NotFound', false],
    ['IncorrectState', 'aws:IncorrectState', false],
    ['InsufficientInstanceCapacity', 'aws:InsufficientInstanceCapacity', true],
    ['AccessDenied', 'aws:AccessDenied', false],
  ])('knows %s', (name, cause, transient) => {
    expect(explainAws(aws(name, 'raw text'))).toMatchObject({ cause, transient });
    expect(explainError(aws(name, 'raw text'))).not.toContain('raw text');
  });

  it('explains network errors by their code', () => {
    const err = Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:443'), { code: 'ECONNREFUSED' });
    expect(explainAws(err)?.cause).toBe('network:ECONNREFUSED');
    expect(userMessage(err)).not.toContain('10.0.0.1');
  });

  it('shows a UserError as it is, and an unknown error without its text', () => {
    expect(userMessage(new UserError('Say who owns the instance.'))).toBe('Say who owns the instance.');
    expect(userMessage(new TypeError("Cannot read properties of undefined (reading 'x')"))).toMatch(
      /^Something unexpected failed; it has been logged\./,
    );
  });

  it('never cuts a sentence in the middle of a word', () => {
    expect(clip('Validation failed: the volume vol-0123 is attached to i-0456 now', 40)).toBe(
      'Validation failed: the volume vol-0123…',
    );
  });

  it('classifies Slack errors: retry 429 and 5xx, say permanent ones in words', () => {
    expect(classifySlackError({ code: 'slack_webapi_rate_limited_error', retryAfter: 7 }, '#x')).toEqual({
      kind: 'retry',
      afterMs: 7000,
      cause: 'rate limited',
    });
    expect(classifySlackError({ code: 'slack_webapi_http_error', statusCode: 502 }, '#x').kind).toBe('retry');
    expect(
      classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'not_in_channel' } }, '<#C1>'),
    ).toMatchObject({ kind: 'permanent', sentence: expect.stringContaining('/invite @spotops') });
    expect(
      classifySlackError({ code: 'slack_webapi_platform_error', data: { error: 'missing_scope' } }, '<#C1>'),
    ).toMatchObject({ kind: 'permanent', sentence: expect.stringContaining('reinstall') });
  });
});
