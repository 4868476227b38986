// Preloaded (node --import) into a bot process by test/e2e/process.test.ts: an update whose message
// text is CRASH_ON_TEXT crashes the process while it is being handled (an error thrown outside any
// promise chain, as a bug in a callback would: Node exits with code 1), every time it is handled.
// Nothing in src/ knows about it: the app is the real entry point, unchanged.
import { createRequire } from 'node:module';
import process from 'node:process';
import { setImmediate } from 'node:timers';

const require = createRequire(import.meta.url);
const { Telegraf } = require('telegraf');
const poison = process.env.CRASH_ON_TEXT;
const handleUpdate = Telegraf.prototype.handleUpdate;
Telegraf.prototype.handleUpdate = function (update, ...rest) {
  if (poison && update?.message?.text === poison) {
    setImmediate(() => {
      throw new Error('crash-on-text: this update crashes the process');
    });
  }
  return handleUpdate.call(this, update, ...rest);
};
