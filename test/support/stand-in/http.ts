/** Transport helpers of the Bot API emulator: see src/sandbox/emulator/http.ts. */
export * from '../../../src/sandbox/emulator/http.js';
