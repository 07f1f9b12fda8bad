// The last line of defence: an error nobody caught (a listener's floating promise, a library
// callback) is logged and the process keeps serving. A bad request must never take the bot
// down; real start-up failures still exit, from main() itself.
import type { Logger } from './logger.js';

export function installProcessGuard(log: Logger): () => void {
  const onRejection = (reason: unknown) => {
    log.error({ err: reason }, 'unhandled promise rejection; still serving');
  };
  const onException = (err: Error, origin: string) => {
    log.error({ err, origin }, 'uncaught exception; still serving');
  };
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
