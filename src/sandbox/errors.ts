// Errors the simulated account throws, shaped like the SDK's service exceptions (name = AWS error
// code, $fault, $metadata) so awsErrorCode(), the dry-run helper and the NotFound checks see what
// they would see from AWS.
import { EC2ServiceException } from '@aws-sdk/client-ec2';

export function awsError(code: string, message: string, status = 400): Error {
  return new EC2ServiceException({
    name: code,
    $fault: status >= 500 ? 'server' : 'client',
    $metadata: { httpStatusCode: status, requestId: 'sandbox' },
    message,
  });
}

/** What EC2 answers to a DryRun request that would have succeeded. */
export function dryRunOperation(): Error {
  return awsError('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);
}
