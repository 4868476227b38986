/**
 * The Bot API emulator the tests and benchmarks run against. It lives in the product
 * (src/sandbox/emulator/bot-api-emulator.ts), where the sandbox uses the same code.
 */
export * from '../../src/sandbox/emulator/bot-api-emulator.js';
