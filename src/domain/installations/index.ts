/** Charger installations' lifecycle and audit rows: the area's public API (what code outside it uses). */
export { auditInstallation, closeStoreInstallations } from './audit.js';
export { assertInstallationTransition, IllegalInstallationTransitionError, installationTransitions } from './transitions.js';
