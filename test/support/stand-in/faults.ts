/** Fault injection of the Bot API emulator: see src/sandbox/emulator/faults.ts. */
export * from '../../../src/sandbox/emulator/faults.js';
