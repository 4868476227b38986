import type { InstallationState } from '../../db/schema/index.js';
import { AppError } from '../../shared/errors.js';

/** Charger installation lifecycle: requested → scheduled → installed, or cancelled before that. */
export const installationTransitions: Readonly<Record<InstallationState, readonly InstallationState[]>> = {
  requested: ['scheduled', 'cancelled'],
  scheduled: ['installed', 'cancelled', 'requested'],
  installed: [],
  cancelled: [],
};

export class IllegalInstallationTransitionError extends AppError<'illegal_transition'> {
  constructor(
    readonly from: InstallationState,
    readonly to: InstallationState,
  ) {
    super('illegal_transition', `installation cannot go from ${from} to ${to}`, { from, to });
  }
}

export function assertInstallationTransition(from: InstallationState, to: InstallationState): void {
  if (!installationTransitions[from].includes(to)) throw new IllegalInstallationTransitionError(from, to);
}
