import { exitUnlessSupportedNode } from './startup.js';

/**
 * Imported first by every entry point, so an unsupported Node.js is refused with one line (see
 * src/shared/startup.ts) before any other module's code runs.
 */
exitUnlessSupportedNode();
