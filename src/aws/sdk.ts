// The large AWS SDK clients, loaded on first use instead of at start. `@aws-sdk/client-ec2` is
// one 2 MB CommonJS bundle (~90 MB resident once loaded): importing any command from it loads
// all of it, so modules that send EC2 commands reach them through `ec2Sdk.X`, which requires the
// package the first time a member is read. Types still come from `import type` (erased). The
// package is CommonJS, so a later static import anywhere (tests, the sandbox) gets the same
// module instance: classes, `instanceof` and aws-sdk-client-mock's prototype patches agree.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

function lazy<T extends object>(load: () => T): T {
  let loaded: T | undefined;
  const module = (): T => {
    loaded ??= load();
    return loaded;
  };
  return new Proxy({} as T, {
    get: (_target, key) => Reflect.get(module(), key),
    has: (_target, key) => Reflect.has(module(), key),
  });
}

/** `@aws-sdk/client-ec2`, loaded when a member is first read; likewise the others below. */
export const ec2Sdk: typeof import('@aws-sdk/client-ec2') = lazy(() => require('@aws-sdk/client-ec2'));
export const stsSdk: typeof import('@aws-sdk/client-sts') = lazy(() => require('@aws-sdk/client-sts'));
export const eksSdk: typeof import('@aws-sdk/client-eks') = lazy(() => require('@aws-sdk/client-eks'));
export const autoScalingSdk: typeof import('@aws-sdk/client-auto-scaling') = lazy(() =>
  require('@aws-sdk/client-auto-scaling'),
);
export const savingsPlansSdk: typeof import('@aws-sdk/client-savingsplans') = lazy(() =>
  require('@aws-sdk/client-savingsplans'),
);
export const pricingSdk: typeof import('@aws-sdk/client-pricing') = lazy(() =>
  require('@aws-sdk/client-pricing'),
);
export const sqsSdk: typeof import('@aws-sdk/client-sqs') = lazy(() => require('@aws-sdk/client-sqs'));
export const eventBridgeSdk: typeof import('@aws-sdk/client-eventbridge') = lazy(() =>
  require('@aws-sdk/client-eventbridge'),
);
